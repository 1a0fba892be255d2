"""Account rules: creating users, role changes, deactivation, passwords and TOTP."""
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

import pyotp
from sqlalchemy import func, select

from .. import audit
from ..config import KECAMATAN
from ..extensions import db
from ..security import ROLES, hash_password, password_problems
from ..settings import get_setting
from ..timeutil import now_utc
from .models import User, find_user

ISSUER = "Kupang Kelurahan"
REMOTE_ROLES = ("admin", "supervisor")
USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,80}$")


class AccountError(ValueError):
    """An account change that breaks a rule; the message is shown to the user."""


class EnrolCodeError(AccountError):
    """A missing, wrong or expired 2FA enrolment code."""


def area_code_of(value):
    """A city user's area as stored: None (empty) for the whole city, else one kecamatan code, or AccountError."""
    text = (value or "").strip()
    if not text:
        return None
    if text not in KECAMATAN:
        raise AccountError(f"Wilayah {text} tidak dikenal. Kosongkan untuk seluruh kota atau pilih kode kecamatan: "
                           f"{', '.join(KECAMATAN)}.")
    return text


def create_user(username, role, password, full_name="", must_change=True, actor=None, hashed=None, area_code=None):
    """Add an account; the first login must change the password unless told otherwise (`hashed`: see set_password).

    area_code (the city server): the kecamatan the user sees, None for the whole city.
    """
    username = (username or "").strip().lower()
    area = area_code_of(area_code)
    if role not in ROLES:
        raise AccountError(f"Peran tidak dikenal: {role}. Pilih salah satu: {', '.join(ROLES)}.")
    if not username:
        raise AccountError("Nama pengguna wajib diisi.")
    if not USERNAME_PATTERN.match(username):
        raise AccountError("Nama pengguna 3-80 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.")
    if find_user(username):
        raise AccountError("Nama pengguna sudah dipakai.")
    problems = password_problems(password, username)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(
        username=username,
        full_name=full_name or username,
        role=role,
        area_code=area,
        password_hash=hashed or hash_password(password),
        must_change_password=must_change,
        active=True,
        session_epoch=0,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", "user", user.id, user=actor, username=getattr(actor, "username", "sistem"),
                 target=username, role=role, **({"area": area} if area else {}))
    return user


def active_admin_count():
    """How many admins can still log in."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active))


def _guard_last_admin(user):
    if user.role == "admin" and user.active and active_admin_count() <= 1:
        raise AccountError("Tidak bisa: ini satu-satunya admin yang aktif. Buat atau aktifkan admin lain dahulu.")


def change_role(user, role, actor):
    """Give a user another role; the last active admin keeps theirs."""
    if role not in ROLES:
        raise AccountError("Peran tidak dikenal.")
    if role == user.role:
        return False
    if user.role == "admin":
        _guard_last_admin(user)
    previous = user.role
    user.role = role
    user.end_all_sessions()
    audit.record("user_role_changed", "user", user.id, user=actor, target=user.username, old=previous, new=role)
    return True


def set_active(user, active, actor):
    """Deactivate (ending their sessions) or reactivate a user; never the last active admin."""
    if bool(active) == bool(user.active):
        return False
    if not active:
        _guard_last_admin(user)
        user.end_all_sessions()
    user.active = bool(active)
    audit.record("user_reactivated" if active else "user_deactivated", "user", user.id, user=actor,
                 target=user.username)
    return True


def set_password(user, password, *, temporary, actor=None, hashed=None):
    """Store a new password; ends the user's other sessions; temporary ones must be changed.

    `hashed`: the password's hash made before the write transaction began (views do, so no write waits on it).
    """
    problems = password_problems(password, user.username)
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hashed or hash_password(password)
    user.must_change_password = temporary
    user.end_all_sessions()
    if temporary:
        audit.record("user_password_reset", "user", user.id, user=actor, target=user.username)
    else:
        audit.record("password_changed", "user", user.id, user=user)


def totp_required(user):
    """True when the office policy makes 2FA mandatory for this user's role."""
    return user.role in REMOTE_ROLES and get_setting("require_2fa") == "1"


def new_totp_secret():
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(user, secret):
    """The otpauth:// URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def totp_qr_svg(uri):
    """The enrolment QR code as inline SVG (no image file, no script)."""
    import segno  # lazy: only enrolment needs it

    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def matching_totp_step(secret, code, last_step=None, at=None):
    """The time step the code belongs to (one step of clock drift allowed), or None.

    A step at or before `last_step` is refused: a code seen once cannot be replayed.
    """
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at or now_utc_aware())
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), str(code)):
            return step
    return None


def now_utc_aware():
    """Now as an aware datetime for pyotp."""
    from datetime import UTC

    return now_utc().replace(tzinfo=UTC)


def code_was_just_used(secret, code, last_step, at=None):
    """True when the code is right but its time step was already used (an enrolment code typed again)."""
    return last_step is not None and matching_totp_step(secret, code, at=at) is not None


ENROL_CODE_HOURS = 24
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone without mistakes
CODE_LENGTH = 10


def _code_digest(code):
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code):
    """A typed one-time code without spaces or dashes, upper case."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:40]


def format_code(code):
    """'ABCDE-FGHJK' for reading out and typing."""
    return f"{code[:5]}-{code[5:]}"


def enrol_code_needed(user):
    """True when this user may enrol 2FA only with a one-time code from an admin (mandatory for the role).

    Whoever holds a supervisor's password alone must not be able to bind their own authenticator.
    """
    return totp_required(user) and not user.totp_enabled


def new_enrol_code(user, actor):
    """A one-time enrolment code for the user, valid ENROL_CODE_HOURS; only its hash is kept. Returns it formatted."""
    if user.role not in REMOTE_ROLES:
        raise AccountError(f"Kode pendaftaran hanya untuk peran {ROLES['admin']} dan {ROLES['supervisor']}.")
    if not user.active:
        raise AccountError("Akun ini nonaktif; aktifkan dahulu.")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    user.enrol_code_hash = _code_digest(code)
    user.enrol_code_expires_at = now_utc() + timedelta(hours=ENROL_CODE_HOURS)
    audit.record("totp_enrol_code_created", "user", user.id, user=actor,
                 username=getattr(actor, "username", None) or "sistem", target=user.username)
    return format_code(code)


def check_enrol_code(user, code):
    """Raise AccountError unless the code is the user's current, unexpired enrolment code."""
    if not normalise_code(code):
        raise EnrolCodeError("Masukkan kode pendaftaran dari admin.")
    if not user.enrol_code_hash or not hmac.compare_digest(user.enrol_code_hash, _code_digest(code)):
        raise EnrolCodeError("Kode pendaftaran salah atau sudah dipakai. Minta admin membuat kode baru.")
    if user.enrol_code_expires_at is None or user.enrol_code_expires_at < now_utc():
        raise EnrolCodeError("Kode pendaftaran sudah kedaluwarsa. Minta admin membuat kode baru.")


def enable_totp(user, secret, code, enrol_code=None):
    """Turn 2FA on after the user proves their app produces valid codes (and, where required, the admin's code)."""
    if enrol_code_needed(user):
        check_enrol_code(user, enrol_code)
    step = matching_totp_step(secret, code)
    if step is None:
        raise AccountError("Kode salah. Pastikan jam di ponsel tepat lalu masukkan kode yang sedang tampil.")
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = step
    user.enrol_code_hash = None
    user.enrol_code_expires_at = None
    audit.record("totp_enabled", "user", user.id, user=user)


def disable_totp(user, actor):
    """Turn 2FA off (by the user, or by an admin for a lost phone)."""
    if not user.totp_enabled:
        return False
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_counter = None
    audit.record("totp_disabled", "user", user.id, user=actor, target=user.username)
    return True


def check_totp_login(user, code):
    """True and remembered when the code is valid and unused; False otherwise."""
    step = matching_totp_step(user.totp_secret, code, user.totp_last_counter)
    if step is None:
        return False
    user.totp_last_counter = step
    return True
