"""Forms for login, password change, two-step verification and user administration."""
import re

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..security import ROLES, password_problems
from .models import find_user

REQUIRED = "Wajib diisi."
ROLE_CHOICES = [SelectChoice(value, label) for value, label in ROLES.items()]

# WTForms ships no Indonesian catalogue: its built-in messages, translated (singular msgid as key).
WTFORMS_ID = {
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak valid.",
    "Not a valid choice.": "Pilihan tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' bukan pilihan yang valid.",
    "Not a valid integer value.": "Harus berupa bilangan bulat.",
    "Not a valid decimal value.": "Harus berupa angka.",
    "Not a valid float value.": "Harus berupa angka.",
    "Not a valid date value.": "Tanggal tidak valid.",
    "Not a valid datetime value.": "Tanggal dan jam tidak valid.",
    "Not a valid time value.": "Jam tidak valid.",
    "Field must be equal to %(other_name)s.": "Harus sama dengan %(other_name)s.",
    "Field must be at least %(min)d character long.": "Minimal %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Maksimal %(max)d karakter.",
    "Field must be exactly %(length)d character long.": "Harus tepat %(length)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.": "Panjangnya harus %(min)d sampai %(max)d karakter.",
    "Number must be at least %(min)s.": "Angka minimal %(min)s.",
    "Number must be at most %(max)s.": "Angka maksimal %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Invalid email address.": "Alamat email tidak valid.",
}


class IndonesianMessages:
    """A gettext-like object WTForms asks for its built-in messages."""

    def gettext(self, string):
        """The Indonesian message, or the original when there is none."""
        return WTFORMS_ID.get(string, string)

    def ngettext(self, singular, plural, n):
        """Indonesian has no plural form: the singular msgid is the key."""
        return WTFORMS_ID.get(singular, singular if n == 1 else plural)


class KupangForm(FlaskForm):
    """A Flask-WTF form whose built-in validation messages are Indonesian."""

    class Meta:
        def get_translations(self, form):
            """Indonesian messages instead of WTForms' English ones."""
            return IndonesianMessages()

        def wrap_formdata(self, form, formdata):
            """Read HTML form fields only: a JSON body would hand lists and objects to the rules."""
            if formdata is _Auto and request.is_json:
                return request.form if request.method in ("POST", "PUT", "PATCH", "DELETE") else None
            return super().wrap_formdata(form, formdata)
USERNAME_RULE = Regexp(r"^[a-z0-9._-]+$", message="Hanya huruf kecil, angka, titik, garis bawah dan tanda hubung.")


def strip(value):
    """Trim surrounding spaces from text input."""
    return value.strip() if isinstance(value, str) else value


def lower(value):
    """Trim and lowercase a username."""
    return value.strip().lower() if isinstance(value, str) else value


class LoginForm(KupangForm):
    """Username and password."""

    username = StringField("Nama pengguna", filters=[lower], validators=[DataRequired(REQUIRED), Length(max=80)])
    password = PasswordField("Kata sandi", validators=[DataRequired(REQUIRED), Length(max=256)])


class TotpForm(KupangForm):
    """A six-digit code from the authenticator app."""

    code = StringField(
        "Kode 6 digit",
        filters=[lambda v: re.sub(r"\s", "", v) if isinstance(v, str) else v],
        validators=[DataRequired(REQUIRED), Regexp(r"^\d{6}$", message="Kode terdiri dari 6 angka.")],
    )


class NewPasswordMixin:
    """Checks a new password against the rules, with the username known."""

    def new_password_for(self):
        """The username the new password must not contain."""
        return ""

    def validate_new_password(self, field):
        """Apply the password rules."""
        problems = password_problems(field.data or "", self.new_password_for())
        if problems:
            raise ValidationError(" ".join(problems))


class ChangePasswordForm(NewPasswordMixin, KupangForm):
    """The current password and a new one, twice."""

    current_password = PasswordField("Kata sandi saat ini", validators=[DataRequired(REQUIRED), Length(max=256)])
    new_password = PasswordField("Kata sandi baru", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "Ulangi kata sandi baru",
        validators=[DataRequired(REQUIRED), EqualTo("new_password", message="Kedua kata sandi baru tidak sama.")],
    )

    def __init__(self, username="", **kwargs):
        super().__init__(**kwargs)
        self._username = username

    def new_password_for(self):
        """The logged-in user's name."""
        return self._username


class UserCreateForm(NewPasswordMixin, KupangForm):
    """A new account with a temporary password the user must change."""

    username = StringField(
        "Nama pengguna", filters=[lower], validators=[DataRequired(REQUIRED), Length(3, 80), USERNAME_RULE]
    )
    full_name = StringField("Nama lengkap", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=120)])
    role = SelectField("Peran", choices=ROLE_CHOICES, validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("Kata sandi sementara", validators=[DataRequired(REQUIRED)])

    def new_password_for(self):
        """The username being created."""
        return self.username.data or ""

    def validate_username(self, field):
        """Usernames are unique."""
        if find_user(field.data):
            raise ValidationError("Nama pengguna sudah dipakai.")


class UserEditForm(KupangForm):
    """Name and role of an existing account."""

    full_name = StringField("Nama lengkap", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=120)])
    role = SelectField("Peran", choices=ROLE_CHOICES, validators=[DataRequired(REQUIRED)])


class ResetPasswordForm(NewPasswordMixin, KupangForm):
    """A temporary password set by an admin."""

    new_password = PasswordField("Kata sandi sementara baru", validators=[DataRequired(REQUIRED)])

    def __init__(self, username="", **kwargs):
        super().__init__(**kwargs)
        self._username = username

    def new_password_for(self):
        """The account being reset."""
        return self._username


class SecurityPolicyForm(KupangForm):
    """Office-wide account policy."""

    require_2fa = BooleanField("Wajibkan verifikasi dua langkah untuk admin dan supervisor")


class DisableTotpForm(KupangForm):
    """Turning 2FA off needs the password."""

    current_password = PasswordField("Kata sandi saat ini", validators=[DataRequired(REQUIRED), Length(max=256)])


class EmptyForm(KupangForm):
    """A button that only needs the CSRF token."""

    confirm = BooleanField("Konfirmasi", validators=[Optional()])
