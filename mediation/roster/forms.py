"""Roster forms: people, expertise areas and organisations."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from mediation.forms import EmailAddress, Form, MultiCheckboxField, choices
from mediation.i18n import LANGUAGE_NAMES
from mediation.roster.services import code_taken, leader_code_taken

WEEKDAY_CHOICES = [
    (1, _l("Monday")), (2, _l("Tuesday")), (3, _l("Wednesday")), (4, _l("Thursday")),
    (5, _l("Friday")), (6, _l("Saturday")), (7, _l("Sunday")),
]




class PersonForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("A code is required.")), Length(max=64),
        Regexp(r"^[\w.-]+$", message=_l("Letters, digits, dots, dashes and underscores only."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("A name is required.")),
                                              Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=320), EmailAddress()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=200)])
    is_expert = BooleanField(_l("Expert"))
    is_counsellor = BooleanField(_l("Psychological counsellor"))
    expertise_ids = MultiCheckboxField(_l("Expertise areas"), coerce=int, validate_choice=True)
    organisation_names = TextAreaField(_l("Organisations"), validators=[Length(max=5000)])
    region_ids = SelectMultipleField(_l("Regions served"), coerce=int)
    max_hearings = IntegerField(_l("Maximum hearings in the planning horizon"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Enter a number from 0 to 1000."))])
    max_per_day = IntegerField(_l("Maximum hearings per day"), validators=[
        Optional(), NumberRange(min=0, max=10, message=_l("Enter a number from 0 to 10."))])
    available_weekdays = MultiCheckboxField(_l("Works on"), coerce=int,
                                            choices=choices(WEEKDAY_CHOICES))
    active = BooleanField(_l("Active"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    # Emails, the calendar feed and the person's own page use it (default: the app's language).
    locale = SelectField(_l("Language of their emails and own page"),
                         choices=choices(LANGUAGE_NAMES.items()), validate_choice=False)

    def __init__(self, *args, person_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person_id = person_id

    def validate_code(self, field):
        if field.data and code_taken(field.data, self.person_id):
            raise ValidationError(_("Another person already has this code."))

    def validate_is_expert(self, field):
        if not (field.data or self.is_counsellor.data):
            raise ValidationError(_("Choose at least one role: expert or counsellor."))

    def validate_available_weekdays(self, field):
        if not field.data:
            raise ValidationError(_("Tick at least one weekday (all seven for every day)."))

    def organisation_list(self) -> list[str]:
        text = self.organisation_names.data or ""
        return [line.strip() for line in text.replace(";", "\n").splitlines() if line.strip()]

    def data_for_service(self) -> dict:
        return {
            "code": self.code.data, "name": self.name.data, "email": self.email.data,
            "phone": self.phone.data, "title": self.title.data, "notes": self.notes.data,
            "is_expert": self.is_expert.data, "is_counsellor": self.is_counsellor.data,
            "expertise_ids": self.expertise_ids.data, "region_ids": self.region_ids.data,
            "organisation_names": self.organisation_list(),
            "max_hearings": self.max_hearings.data, "max_per_day": self.max_per_day.data,
            "available_weekdays": self.available_weekdays.data, "active": self.active.data,
            "locale": self.locale.data,
        }


class TeamForm(Form):
    lead_unit = StringField(_l("Lead unit"), validators=[Optional(), Length(max=200)])
    other_units = TextAreaField(_l("Other units (one per line)"),
                                validators=[Optional(), Length(max=4000)])
    later_too = BooleanField(_l("Also for the later market days of this venue"))


class UnavailabilityForm(Form):
    """The calendar: each day is a submit button named `date`; the session applies to it."""

    session = SelectField(_l("Unavailable for"), coerce=str, validate_choice=True)
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class ExpertiseAreaForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("A code is required.")), Length(max=64),
        Regexp(r"^[\w.-]+$", message=_l("Letters, digits, dots, dashes and underscores only."))])
    name_en = StringField(_l("Name (English)"), validators=[
        DataRequired(_l("An English name is required.")), Length(max=200)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("A name is required.")),
                                              Length(max=300)])
    parent = StringField(_l("Supervising department"), validators=[Optional(), Length(max=300)])


class AliasForm(Form):
    alias = StringField(_l("New alias"), validators=[DataRequired(_l("An alias is required.")),
                                                     Length(max=300)])


class ParentForm(Form):
    parent = StringField(_l("Supervising department"), validators=[Optional(), Length(max=300)])


class MergeForm(Form):
    duplicate = StringField(_l("Duplicate to merge into this record"), validators=[
        DataRequired(_l("Name the duplicate organisation.")), Length(max=300)])


class LeaderForm(Form):
    """A responsible leader (包案领导); the code is given the next free L0001… when left blank."""

    code = StringField(_l("Code"), validators=[
        Optional(), Length(max=64),
        Regexp(r"^[\w.-]+$", message=_l("Letters, digits, dots, dashes and underscores only."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("A name is required.")),
                                              Length(max=200)])
    post = StringField(_l("Post"), validators=[Optional(), Length(max=200)],
                       description=_l("For example: Deputy County Head."))
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)],
                        description=_l("Private: shown to coordinators only."))
    user_id = SelectField(_l("User account"), coerce=int, default=0, validate_choice=True,
                          description=_l("The account that sees these cases under “My cases”."))
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, leader_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.leader_id = leader_id

    def validate_code(self, field):
        if field.data and leader_code_taken(field.data, self.leader_id):
            raise ValidationError(_("Another leader already has this code."))

    def data_for_service(self) -> dict:
        return {"code": self.code.data, "name": self.name.data, "post": self.post.data,
                "organisation": self.organisation.data, "phone": self.phone.data,
                "user_id": self.user_id.data or None, "active": self.active.data}
