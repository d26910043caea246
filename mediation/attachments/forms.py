"""Attachment forms: upload (file and note) and delete (with a reason)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from mediation.forms import Form


class UploadForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class DeleteForm(Form):
    reason = StringField(_l("Reason for deleting"), validators=[
        DataRequired(_l("Give a reason for deleting the attachment.")), Length(max=500)])
