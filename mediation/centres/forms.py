"""Centre, room, dated-exception, market-day, session and region forms."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from mediation.centres.labels import LEVEL_LABELS
from mediation.centres.models import CENTRE_LEVELS, Centre, HearingSession, Room
from mediation.centres.services import MAX_GENERATED_DATES, code_taken
from mediation.forms import Form, MultiCheckboxField, choices
from mediation.regions.models import Region

WEEKDAYS = [
    (1, _l("Monday")), (2, _l("Tuesday")), (3, _l("Wednesday")), (4, _l("Thursday")),
    (5, _l("Friday")), (6, _l("Saturday")), (7, _l("Sunday")),
]
CODE = Regexp(r"^[\w.-]+$", message=_l("Letters, digits, dots, dashes and underscores only."))




class CentreForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("A code is required.")), Length(max=64), CODE])
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("A name is required.")), Length(max=200)])
    level = SelectField(_l("Level"), choices=choices(
        (k, LEVEL_LABELS[k]) for k in CENTRE_LEVELS))
    region_id = SelectField(_l("Region served"), coerce=int)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    open_weekdays = MultiCheckboxField(_l("Open on"), coerce=int, choices=choices(WEEKDAYS))
    follows_official_calendar = BooleanField(
        _l("Follows the official calendar (closed on statutory holidays, open on substituted "
           "working days)"), default=True)
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, centre_id: int | None = None, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.centre_id = centre_id
        self.region_id.choices = choices((r.id, f"{r.name} ({r.code})") for r in regions)

    def validate_code(self, field):
        if field.data and code_taken(Centre, field.data, self.centre_id):
            raise ValidationError(_("Another centre already has this code."))

    def validate_open_weekdays(self, field):
        if not field.data and self.level.data != "venue":
            raise ValidationError(
                _("Tick the weekdays it opens (only a market-day venue may have none)."))


class RoomForm(Form):
    code = StringField(_l("Room code"), validators=[
        DataRequired(_l("A code is required.")), Length(max=64), CODE])
    name = StringField(_l("Room name"), validators=[
        DataRequired(_l("A name is required.")), Length(max=200)])
    capacity = IntegerField(_l("Seats"), validators=[
        InputRequired(_l("Enter the number of seats.")),
        NumberRange(min=1, max=10000, message=_l("Enter a whole number of at least 1."))])
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, room_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.room_id = room_id

    def validate_code(self, field):
        if field.data and code_taken(Room, field.data, self.room_id):
            raise ValidationError(_("Another room already has this code."))


class ClosureForm(Form):
    date = DateField(_l("Closed on"), validators=[InputRequired(_l("Enter a date."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


CYCLES = choices([("every", _l("Every N days from the first market day")),
          ("digits", _l("Days of the month by last digit")),
          ("lunar", _l("Days of the lunar month (农历)"))])
DIGIT_CHOICES = choices([("147", _l("1, 4, 7 (the 1st, 4th, 7th, 11th … 31st)")),
                 ("258", _l("2, 5, 8 (the 2nd, 5th, 8th, 12th … 28th)")),
                 ("369", _l("3, 6, 9 (the 3rd, 6th, 9th, 13th … 29th)")),
                 ("50", _l("5, 10 (the 5th, 10th … 30th)"))])


def parse_lunar_days(text: str | None) -> list[int]:
    """'1, 11, 21' → [1, 11, 21]; raises ValueError on anything but numbers 1–30."""
    days = [int(p) for p in (text or "").replace("，", ",").replace("、", ",")
            .replace(" ", ",").split(",") if p.strip()]
    if not days or any(not 1 <= d <= 30 for d in days):
        raise ValueError(text)
    return sorted(set(days))


class MarketDaysForm(Form):
    cycle = SelectField(_l("Cycle"), choices=CYCLES, default="every")
    start = DateField(_l("First market day"), validators=[InputRequired(_l("Enter a date."))])
    end = DateField(_l("Until"), validators=[InputRequired(_l("Enter a date."))])
    every = IntegerField(_l("Every how many days"), default=5, validators=[
        Optional(),
        NumberRange(min=1, max=366, message=_l("Enter a whole number from 1 to 366."))])
    digits = SelectField(_l("Days ending in"), choices=DIGIT_CHOICES, default="147")
    lunar_days = StringField(_l("Lunar days"), default="1, 11, 21",
                             validators=[Optional(), Length(max=100)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def validate_lunar_days(self, field):
        if self.cycle.data == "lunar":
            try:
                parse_lunar_days(field.data)
            except ValueError:
                raise ValidationError(
                    _("Enter lunar days from 1 to 30, separated by commas.")) from None

    def validate_every(self, field):
        if self.cycle.data != "every":
            return
        if not field.data:
            raise ValidationError(_("Enter a number."))
        if self.start.data and self.end.data and field.data >= 1 and \
                (self.end.data - self.start.data).days // field.data + 1 > MAX_GENERATED_DATES:
            raise ValidationError(_("That makes more than %(n)s dates.", n=MAX_GENERATED_DATES))

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_("The period must not end before it starts."))
            if (field.data - self.start.data).days > 2 * 366:
                raise ValidationError(_("The period may be at most two years."))


class CalendarDayForm(Form):
    date = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date."))])
    kind = SelectField(_l("Kind"), choices=choices([
        ("holiday", _l("Holiday (closed, not a working day)")),
        ("workday", _l("Working day (substituted or local)"))]))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class SessionForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("A code is required.")), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("A name is required.")), Length(max=100)])
    starts_at = TimeField(_l("Starts"), validators=[InputRequired(_l("Enter a time."))])
    ends_at = TimeField(_l("Ends"), validators=[InputRequired(_l("Enter a time."))])
    position = IntegerField(_l("Order"), default=0, validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Enter a number from 0 to 100."))])

    def __init__(self, *args, session_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_id = session_id

    def validate_code(self, field):
        if field.data and code_taken(HearingSession, field.data, self.session_id):
            raise ValidationError(_("Another session already has this code."))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_("A session must end after it starts."))


class RegionForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("A code is required.")), Length(max=64), CODE])
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("A name is required.")), Length(max=200)])
    parent_id = SelectField(_l("Under"), coerce=int)

    def __init__(self, *args, regions=(), top: bool = True, **kwargs):
        """`top`: may add a region at the top (a city); not for a region-limited user."""
        super().__init__(*args, **kwargs)
        self.parent_id.choices = choices(
            [(0, _("(top: a city)"))] * top +
            [(r.id, f"{r.name} ({r.code})") for r in regions if r.level != "village"])

    def validate_code(self, field):
        if field.data and code_taken(Region, field.data):
            raise ValidationError(_("Another region already has this code."))
