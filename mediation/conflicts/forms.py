"""Conflict forms: declare one; waive or dismiss one (a reason is always required)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mediation.forms import Form
from mediation.roster.forms import choices

KIND_CHOICES = [
    ("hard", _l("Hard: never assigned, never waivable")),
    ("waivable", _l("Hard by default, waivable with a recorded reason")),
    ("soft", _l("Soft: allowed, penalised and shown")),
]
TARGET_CHOICES = [
    ("case", _l("A case")), ("party", _l("A party of a case")),
    ("organisation", _l("An organisation")),
]


class DeclareConflictForm(Form):
    person_id = SelectField(_l("Person"), coerce=int, validators=[
        DataRequired(_l("Choose a person."))])
    target = RadioField(_l("Conflict with"), choices=choices(TARGET_CHOICES), default="case")
    case_reference = StringField(_l("Case reference"), validators=[Optional(), Length(max=64)])
    party_name = StringField(_l("Party name (for a party)"),
                             validators=[Optional(), Length(max=200)])
    organisation = StringField(_l("Organisation (name or alias)"),
                               validators=[Optional(), Length(max=300)])
    kind = RadioField(_l("Kind"), choices=choices(KIND_CHOICES), default="hard")
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("A reason is required.")),
                                                     Length(max=2000)])


class DecisionForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("A reason is required.")),
                                                   Length(max=2000)])
    next = HiddenField()


class AutomaticDecisionForm(DecisionForm):
    person_id = HiddenField(validators=[DataRequired()])
    case_id = HiddenField(validators=[DataRequired()])
    basis_organisation_id = HiddenField(validators=[DataRequired()])
    rule = HiddenField(validators=[DataRequired()])
    decision = HiddenField(validators=[DataRequired()])
