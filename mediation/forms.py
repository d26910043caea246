"""Form helpers shared by every feature."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FormField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from mediation import emails
from mediation.db import DB_INT_MAX
from mediation.timeutil import EARLIEST_DAY, LATEST_DAY, day_in_window

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3
    SelectChoice = None


def choices(pairs) -> list:
    """Select choices from (value, label) pairs, in the form this WTForms version wants."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmailAddress:
    """One email address (mediation.emails): refused with the reason, else the field's data
    becomes its normal form. An empty field is left to Optional / DataRequired."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            field.data = emails.normalise(field.data)
        except emails.EmailError as exc:
            raise StopValidation(str(exc)) from None
# Line breaks and tabs belong in a text area (notes, minutes, addresses typed on several lines);
# no other control character belongs anywhere: it breaks exports (XLSX refuses most of them),
# headers and feeds, and is invisible on the page.
TEXT_AREA_ALLOWED = frozenset("\t\n\r")


def input_errors(field) -> list[str]:
    """What is wrong with a field's value whatever the form: control characters in text, an
    integer beyond the database's range, a date outside the sane window. The one validator
    every form runs (`Form.validate`)."""
    data = field.data
    if isinstance(field, StringField) and not isinstance(field, PasswordField):
        text = data if isinstance(data, str) else ""
        allowed = TEXT_AREA_ALLOWED if isinstance(field, TextAreaField) else frozenset()
        if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
            return [str(_l("Remove the control characters (invisible characters such as a line "
                           "break where none belongs)."))]
        return []
    values = data if isinstance(data, list | tuple) else [data]
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > DB_INT_MAX:
            return [str(_l("Enter a number no larger than %(max)s.", max=f"{DB_INT_MAX:,}"))]
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date) and not day_in_window(value):
            return [str(_l("Enter a date between %(first)s and %(last)s.",
                           first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat()))]
    return []


def _leaf_fields(form):
    for field in form:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _leaf_fields(entry.form)
                else:
                    yield entry
        else:
            yield field


class Form(FlaskForm):
    """The base of every form of the app: Flask-WTF's (CSRF), plus `input_errors` on every
    field, so no form accepts text with control characters, a number the database cannot hold or
    a date outside 1900–2200, whatever its own validators say. A nested form (FormField) is an
    ordinary form inside it and is checked with it."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in _leaf_fields(self):
            problems = [p for p in input_errors(field) if p not in field.errors]
            if problems:
                field.errors = [*field.errors, *problems]
                valid = False
        self._errors = None  # WTForms caches `errors`: recomputed with these
        return valid
