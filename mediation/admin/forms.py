from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from mediation.auth.labels import ROLE_LABELS
from mediation.auth.models import ROLES
from mediation.forms import Form, MultiCheckboxField, choices


class UserForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=choices((r, ROLE_LABELS[r]) for r in ROLES))
    region_ids = MultiCheckboxField(_l("Regions (none: every region)"), coerce=int,
                                    validate_choice=True)
    active = BooleanField(_l("May sign in"), default=True)


class NewUserForm(UserForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class ConfirmForm(Form):
    """A button with only its CSRF token (password reset)."""
