"""Case forms: intake/edit (with parties as a repeatable sub-form) and workflow actions."""

from __future__ import annotations

import re

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
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

from mediation.cases.models import CATEGORIES, OPINIONS
from mediation.cases.services import (
    CATEGORY_LABELS,
    CHECKLIST,
    CHECKLIST_STATE_LABELS,
    OPINION_LABELS,
    PartyData,
    checklist,
    reference_taken,
)
from mediation.db import id_or_none
from mediation.forms import Form, choices

MAX_PARTIES = 50
ID_NUMBER_RE = re.compile(r"^[0-9A-Za-z\s-]{4,40}$")
PHONE_RE = re.compile(r"^[0-9+()\s-]{5,30}$")


class PartyForm(wtforms.Form):  # nested in CaseForm, checked with it
    """One party; a row left entirely blank is ignored."""

    id = HiddenField()
    kind = SelectField(_l("Kind"), choices=choices([("person", _l("Person")),
                                                    ("organisation", _l("Organisation"))]),
                       default="person")
    name = StringField(_l("Name"), validators=[Length(max=200)])
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    organisation = StringField(_l("Their organisation"), validators=[Optional(), Length(max=300)])

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in
                       (self.name, self.id_number, self.phone, self.address, self.organisation))

    def validate_name(self, field):
        if not self.is_blank() and not (field.data or "").strip():
            raise ValidationError(_l("Give the party's name."))

    def validate_id_number(self, field):
        if field.data and not ID_NUMBER_RE.match(field.data.strip()):
            raise ValidationError(_l("Letters and digits only."))

    def validate_phone(self, field):
        if field.data and not PHONE_RE.match(field.data.strip()):
            raise ValidationError(_l("Not a phone number."))

    def to_data(self) -> PartyData:
        return PartyData(
            id=id_or_none(self.id.data),
            kind=self.kind.data, name=self.name.data.strip(), id_number=self.id_number.data,
            phone=self.phone.data, address=self.address.data,
            organisation=self.organisation.data,
        )


class CaseForm(Form):
    reference = StringField(
        _l("Reference"),
        validators=[Optional(), Length(max=64),
                    Regexp(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$",
                           message=_l("Letters, digits and - _ . / only."))],
        description=_l("Leave blank to number it automatically (QS-YYYY-NNNN)."),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    category = SelectField(_l("Category"), validators=[DataRequired()],
                           choices=choices((c, CATEGORY_LABELS[c]) for c in CATEGORIES))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    region_id = SelectField(_l("Region"), coerce=int, validators=[InputRequired()])
    attendees = IntegerField(_l("Attendees"), default=1,
                             validators=[InputRequired(), NumberRange(min=1, max=10000)])
    priority = IntegerField(_l("Priority (1–5)"), default=3,
                            validators=[InputRequired(), NumberRange(min=1, max=5)])
    needs_counsellor = BooleanField(_l("Needs a psychological counsellor"))
    expertise_ids = SelectMultipleField(_l("Required expertise"), coerce=int)
    # Choices (the active leaders, by code and name) are set by the view; 0 is "none".
    responsible_leader_id = SelectField(_l("Responsible leader"), coerce=int, default=0,
                                        validate_choice=True)
    earliest = DateField(_l("Earliest hearing date"), validators=[Optional()])
    respondents = TextAreaField(
        _l("Respondent organisations"), validators=[Optional(), Length(max=5000)],
        description=_l("One per line, by name or alias; an unknown name is added as a new "
                       "organisation."),
    )
    parties = FieldList(FormField(PartyForm), min_entries=1, max_entries=MAX_PARTIES)
    add_party = SubmitField(_l("Add another party"))
    submit = SubmitField(_l("Save"))

    case_id: int | None = None

    def validate_reference(self, field):
        if field.data and reference_taken(field.data, self.case_id):
            raise ValidationError(_l("Another case already has this reference."))

    def validate_parties(self, field):
        if all(entry.form.is_blank() for entry in field.entries):
            raise ValidationError(_l("Add at least one party."))

    def respondent_names(self) -> list[str]:
        seen, out = set(), []
        for line in (self.respondents.data or "").splitlines():
            name = line.strip()
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                out.append(name)
        return out

    def to_data(self) -> dict:
        return {
            "reference": (self.reference.data or "").strip() or None,
            "title": self.title.data.strip(),
            "category": self.category.data,
            "description": (self.description.data or "").strip() or None,
            "region_id": self.region_id.data,
            "attendees": self.attendees.data,
            "priority": self.priority.data,
            "needs_counsellor": bool(self.needs_counsellor.data),
            "expertise_ids": self.expertise_ids.data or [],
            "responsible_leader_id": self.responsible_leader_id.data or None,
            "earliest": self.earliest.data,
            "respondents": self.respondent_names(),
            "parties": [e.form.to_data() for e in self.parties.entries if not e.form.is_blank()],
        }


# --- workflow actions --------------------------------------------------------------------------


class ActionForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField()

    def to_data(self) -> dict:
        return {"note": self.note.data}


class AcceptForm(ActionForm):
    on = DateField(_l("Accepted on"), validators=[Optional()],
                   description=_l("Leave blank for today."))

    def to_data(self) -> dict:
        return {"note": self.note.data, "on": self.on.data}


class NotAcceptForm(Form):
    redirect = TextAreaField(_l("Where to go instead"),
                             validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField()

    def to_data(self) -> dict:
        return {"redirect": self.redirect.data}


class NoteRequiredForm(Form):
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField()

    def to_data(self) -> dict:
        return {"note": self.note.data}


class ReferralForm(NoteRequiredForm):
    note = TextAreaField(_l("Referral note"), validators=[DataRequired(), Length(max=5000)])


class ReopenForm(NoteRequiredForm):
    note = TextAreaField(_l("New facts"), validators=[DataRequired(), Length(max=5000)])


class ExtendForm(Form):
    days = IntegerField(_l("Days"), validators=[InputRequired(), NumberRange(min=1)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField()

    def __init__(self, *args, max_days: int = 30, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = max_days

    def validate_days(self, field):
        if field.data is not None and field.data > self.max_days:
            raise ValidationError(_l("At most %(n)s days.", n=self.max_days))

    def to_data(self) -> dict:
        return {"days": self.days.data, "reason": self.reason.data}


class MemberOpinionForm(Form):
    person_id = SelectField(_l("Panel member"), coerce=int, validate_choice=True)
    opinion = SelectField(_l("Opinion"), choices=choices((o, OPINION_LABELS[o]) for o in OPINIONS))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class OpinionForm(Form):
    members = FieldList(FormField(MemberOpinionForm), min_entries=3, max_entries=3)
    submit = SubmitField()

    def set_people(self, people: list[tuple[int, str]], fixed: list[int] | None = None):
        if not fixed:
            people = [(0, _l("— choose a member —")), *people]
        for i, entry in enumerate(self.members.entries):
            entry.form.person_id.choices = choices(people)
            if fixed and entry.form.person_id.data in (None, 0) and i < len(fixed):
                entry.form.person_id.data = fixed[i]

    def validate_members(self, field):
        ids = [e.form.person_id.data for e in field.entries]
        if not all(ids):
            raise ValidationError(_l("Choose three members."))
        if len(set(ids)) != len(ids):
            raise ValidationError(_l("Choose three different members."))

    def to_data(self) -> dict:
        return {"opinions": [{"person_id": e.form.person_id.data, "opinion": e.form.opinion.data,
                              "note": e.form.note.data} for e in self.members.entries]}


class ChecklistPointForm(Form):
    """One point of "three in place, one handled": open, done, or not applicable + reason."""

    state = SelectField(_l("State"), choices=choices(CHECKLIST_STATE_LABELS.items()),
                        default="open")
    reason = StringField(_l("Reason if not applicable"),
                         validators=[Length(max=2000)])

    def validate_reason(self, field) -> None:
        if self.state.data == "not_applicable" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason why this point does not apply."))


class ChecklistForm(Form):
    """The case page's checklist: one sub-form per point (prefix checklist-<point>-)."""

    submit = SubmitField(_l("Save checklist"))

    def fill(self, case) -> ChecklistForm:
        for p in checklist(case):
            sub = self[p.point]
            sub.state.data, sub.reason.data = p.state, p.reason or ""
        return self

    def to_data(self) -> dict:
        return {point: {"state": self[point].state.data, "reason": self[point].reason.data}
                for point, _label in CHECKLIST}


for _name, _label in CHECKLIST:
    setattr(ChecklistForm, _name, FormField(ChecklistPointForm, label=_label))


class ClosureForm(Form):
    """Resolve or terminate: the reason is required (the termination register shows it)."""

    reason = TextAreaField(_l("Reason for closing"), validators=[DataRequired(),
                                                                Length(max=5000)])
    submit = SubmitField()

    def to_data(self) -> dict:
        return {"reason": self.reason.data}

ACTION_FORMS: dict[str, type[Form]] = {
    "accept": AcceptForm,
    "not_accept": NotAcceptForm,
    "start_handling": ActionForm,
    "give_opinion": OpinionForm,
    "resolve": ClosureForm,
    "terminate": ClosureForm,
    "transfer": ReferralForm,
    "refer": ReferralForm,
    "extend": ExtendForm,
    "escalate": ActionForm,
    "reopen": ReopenForm,
}
