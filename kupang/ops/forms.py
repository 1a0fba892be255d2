"""Forms of the operations pages."""
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..forms import REQUIRED, KupangForm


class PassphraseForm(KupangForm):
    """Set or change the backup passphrase."""

    current = PasswordField("Kata sandi cadangan yang sekarang", validators=[Length(max=200)])
    passphrase = PasswordField("Kata sandi cadangan baru", validators=[InputRequired(REQUIRED), Length(max=200)])
    confirmation = PasswordField("Ulangi kata sandi cadangan baru",
                                 validators=[InputRequired(REQUIRED), Length(max=200)])


class FolderForm(KupangForm):
    """Choose the folder backups go to."""

    folder = StringField("Folder cadangan", validators=[InputRequired(REQUIRED), Length(max=400)])


class DownloadForm(KupangForm):
    """Which backup file to download."""

    name = StringField("Berkas", validators=[InputRequired(REQUIRED), Length(max=200)])


class EmptyForm(KupangForm):
    """A button with its CSRF token only."""
