"""Planning forms: a new run, and the small forms of hearing edits (each carries the hearing's
version, so a concurrent change is detected)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from mediation.forms import Form, choices
from mediation.timeutil import local_today


class RunForm(Form):
    start = DateField(_l("First day"), validators=[DataRequired()])
    end = DateField(_l("Last day"), validators=[DataRequired()])
    scope = RadioField(_l("Cases to plan"), choices=choices([
        ("all", _l("All plannable cases")), ("region", _l("One region (and below)")),
        ("cases", _l("Selected cases"))]), default="all")
    region = SelectField(_l("Region"), coerce=int, validators=[Optional()], validate_choice=False)
    cases = StringField(_l("Case references"), validators=[Optional(), Length(max=5000)],
                        description=_l("Separated by commas or spaces."))
    time_limit = IntegerField(_l("Time limit (seconds)"), default=30,
                              validators=[InputRequired(), NumberRange(min=1, max=3600)])
    release_published = BooleanField(_l("Let the planner move published hearings in scope"))
    base_run = HiddenField()

    def prefill(self) -> None:
        today = local_today()
        if self.start.data is None:
            self.start.data = today + timedelta(days=1)
        if self.end.data is None:
            self.end.data = today + timedelta(days=31)


class VersionForm(Form):
    """Pin/unpin, remove, publish, cancel: only the version (and CSRF)."""

    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class MoveForm(Form):
    version = HiddenField()
    room = SelectField(_l("Room"), coerce=int, validate_choice=False)
    date = DateField(_l("Date"), validators=[DataRequired()])
    session = SelectField(_l("Session"), coerce=int, validate_choice=False)


class ReplaceForm(Form):
    version = HiddenField()
    old = HiddenField()  # person id leaving ("" for an empty counsellor seat)
    new = HiddenField(validators=[DataRequired()])
    role = HiddenField(validators=[DataRequired()])


class DeclineForm(Form):
    person = SelectField(_l("Who declined or cannot come"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])
