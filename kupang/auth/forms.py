"""Forms for login, password change, two-step verification and user administration."""
import re

from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..config import KECAMATAN
from ..forms import REQUIRED, KupangForm
from ..security import ROLES, password_problems
from .models import find_user

ROLE_CHOICES = [SelectChoice(value, label) for value, label in ROLES.items()]

# The city server's user areas: the whole city or one kecamatan (User.area_code).
AREA_CHOICES = [SelectChoice("", "Seluruh Kota Kupang")] + [SelectChoice(code, f"Kecamatan {name}")
                                                            for code, name in KECAMATAN.items()]

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


class TotpEnrolForm(TotpForm):
    """Enrolment: a code from the new authenticator, and the admin's one-time code where 2FA is mandatory."""

    enrol_code = StringField("Kode pendaftaran dari admin", filters=[strip], validators=[Length(max=40)])


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
    role = SelectField("Peran", choices=ROLE_CHOICES, default="clerk", validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("Kata sandi sementara", validators=[DataRequired(REQUIRED)])
    area_code = SelectField("Wilayah (server kota)", choices=AREA_CHOICES, default="")
    confirm_admin = BooleanField(f"Ya, buat akun {ROLES['admin']} dengan akses penuh")

    def new_password_for(self):
        """The username being created."""
        return self.username.data or ""

    def validate_username(self, field):
        """Usernames are unique."""
        if find_user(field.data):
            raise ValidationError("Nama pengguna sudah dipakai.")

    def validate_confirm_admin(self, field):
        """An admin account is created only after the admin confirms it (a slip of the select is costly)."""
        if self.role.data == "admin" and not field.data:
            raise ValidationError(
                f"Akun {ROLES['admin']} mendapat akses penuh: pengguna, perangkat dan semua data penduduk. "
                "Centang konfirmasi di atas lalu simpan lagi, atau pilih peran lain.")

    @property
    def asks_admin_confirmation(self):
        """True once 'admin' was chosen: the form then shows the confirmation box."""
        return self.role.data == "admin" and self.is_submitted()


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

    require_2fa = BooleanField(
        f"Wajibkan verifikasi dua langkah untuk {ROLES['admin']} dan {ROLES['supervisor']}")


class DisableTotpForm(KupangForm):
    """Turning 2FA off needs the password."""

    current_password = PasswordField("Kata sandi saat ini", validators=[DataRequired(REQUIRED), Length(max=256)])


class EmptyForm(KupangForm):
    """A button that only needs the CSRF token."""

    confirm = BooleanField("Konfirmasi", validators=[Optional()])
