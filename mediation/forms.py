"""Form helpers shared by every feature."""

from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from mediation import emails

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
