"""Password hashing, login throttling, security headers and role checks."""
import contextlib
import ctypes
import math
import threading
from datetime import datetime, timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .db import dialect_insert, lock_for_update
from .extensions import db, login_manager
from .timeutil import now_utc

# The one place role names are written for people; least privileged first (the new-user form's default).
ROLES = {"clerk": "Petugas loket", "supervisor": "Pimpinan / pengawas", "admin": "Administrator"}


def _tune_malloc():
    """Keep a gthread worker's C heap small (glibc): big blocks go back to the OS, few thread arenas.

    With glibc's adaptive threshold each 19 MiB Argon2 block lands in a per-thread arena after the first
    hash and stays there: a worker then keeps 19 MiB for every thread that ever checked a password.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1024 * 1024)  # M_MMAP_THRESHOLD = 1 MiB, fixed
        libc.mallopt(-8, 2)  # M_ARENA_MAX: threads share two arenas instead of one each


_tune_malloc()

# One hash at a time per worker: ten logins at once must not take 10 x 19 MiB.
_hash_lock = threading.Lock()
_hashers = {}


def _hasher():
    params = current_app.config["PASSWORD_HASH"]
    key = tuple(sorted(params.items()))
    if key not in _hashers:
        _hashers[key] = PasswordHasher(**params)
    return _hashers[key]


def hash_password(password):
    """Argon2id hash of a password."""
    with _hash_lock:
        return _hasher().hash(password)


def verify_password(stored_hash, password):
    """True when the password matches; a missing hash still costs one verification."""
    with _hash_lock:
        hasher = _hasher()
        if not stored_hash:
            stored_hash = _dummy_hash(hasher)
            password = password + "\0never"
        try:
            return hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def _end_transaction():
    """Commit what this request did so far, so that no lock is held while Argon2id runs."""
    if db.session().in_transaction():
        db.session.commit()


def verify_outside_transaction(stored_hash, password):
    """verify_password with no transaction open: pass the hash read before (ORM objects expire here)."""
    _end_transaction()
    return verify_password(stored_hash, password)


def hash_outside_transaction(password):
    """hash_password with no transaction open; the caller stores the result in its write transaction."""
    _end_transaction()
    return hash_password(password)


def _dummy_hash(hasher):
    key = id(hasher)
    if key not in _dummy_cache:
        _dummy_cache[key] = hasher.hash("kupang-dummy-password")
    return _dummy_cache[key]


_dummy_cache = {}


def password_needs_rehash(stored_hash):
    """True when a hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)


PASSWORD_MIN_LENGTH = 10


def password_problems(password, username=""):
    """Indonesian messages for every rule a new password breaks; empty when it is acceptable."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"Kata sandi minimal {PASSWORD_MIN_LENGTH} karakter.")
    if len(password) > 128:
        problems.append("Kata sandi maksimal 128 karakter.")
    if password.isdigit() or password.isalpha():
        problems.append("Kata sandi harus memuat huruf dan angka (atau simbol).")
    if len(set(password)) < 5:
        problems.append("Kata sandi terlalu mudah ditebak: gunakan lebih banyak karakter yang berbeda.")
    if username and username.lower() in password.lower():
        problems.append("Kata sandi tidak boleh memuat nama pengguna.")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("Kata sandi ini terlalu umum.")
    return problems


COMMON_PASSWORDS = {
    "password123", "password1234", "1234567890", "qwertyuiop", "admin12345", "kupang1234",
    "indonesia1", "indonesia123", "passw0rd123", "rahasia123", "katasandi1", "bismillah1",
}


class LoginThrottle(db.Model):
    """Failed login counts per key (see throttle_keys), shared by all workers and kept across restarts."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


def throttle_keys(username, known_device=None):
    """The keys a login attempt counts against.

    From a browser where the account logged in before (a known device): that browser's own key only.
    From anywhere else: the (account, IP) pair, the IP, and the account itself with a much higher limit,
    so a stranger can slow down guesses at an account without locking its owner out.
    """
    name = username.strip().lower()[:80]  # usernames are at most 80: "ipuser:<IPv6>|<name>" fits the key's 200
    if known_device:
        return [f"device:{known_device}"]
    ip = request.remote_addr or "-"
    return [f"ipuser:{ip}|{name}", f"ip:{ip}", f"user:{name}"]


# Failures a key may collect before each further one doubles a delay (the settings' names). Other
# prefixes (the queue's "pair:" for pairing codes) get the strict per-pair limit.
LIMIT_SETTINGS = {
    "ip": "LOGIN_IP_FAILURES_BEFORE_DELAY",
    "user": "LOGIN_ACCOUNT_FAILURES_BEFORE_DELAY",
}
DEFAULT_LIMIT_SETTING = "LOGIN_FAILURES_BEFORE_DELAY"
# Keys a successful login forgets; the IP's and the account's counts stay (an attack elsewhere goes on).
CLEARED_ON_SUCCESS = ("ipuser:", "device:")


def throttle_wait_seconds(keys, lock=False):
    """Seconds before another attempt is allowed for any of the keys (0 when allowed).

    With lock=True the rows are read FOR UPDATE (PostgreSQL): the check that decides a login waits for
    failures being recorded at the same moment.
    """
    now = now_utc()
    stmt = select(LoginThrottle).where(LoginThrottle.key.in_(keys))
    if lock:
        stmt = lock_for_update(stmt).execution_options(populate_existing=True)
    rows = db.session.scalars(stmt).all()
    waits = [(row.locked_until - now).total_seconds() for row in rows if row.locked_until]
    return max([0, *[math.ceil(w) for w in waits]])


FAILURE_MEMORY = timedelta(hours=1)


def _locked(row, now):
    return row.locked_until is not None and row.locked_until > now


def _locked_throttle_row(key):
    """The key's row, created when missing and locked for this transaction (concurrent failures all count)."""
    db.session.execute(dialect_insert(LoginThrottle).values(key=key, failures=0).on_conflict_do_nothing())
    stmt = lock_for_update(select(LoginThrottle).where(LoginThrottle.key == key))
    return db.session.scalars(stmt.execution_options(populate_existing=True)).one()


def record_login_failure(keys):
    """Count a failure against each key; past its limit, lock for a delay that doubles each time (max 15 min)."""
    now = now_utc()
    for key in keys:
        row = _locked_throttle_row(key)
        if row.last_failure_at and now - row.last_failure_at > FAILURE_MEMORY and not _locked(row, now):
            row.failures = 0  # an old typo is forgiven; a sustained attack keeps its growing delay
        row.failures += 1
        row.last_failure_at = now
        limit = current_app.config[LIMIT_SETTINGS.get(key.partition(":")[0], DEFAULT_LIMIT_SETTING)]
        if row.failures >= limit:
            delay = min(30 * 2 ** min(row.failures - limit, 10), 15 * 60)
            row.locked_until = now + timedelta(seconds=delay)


def clear_login_failures(keys):
    """Forget the (account, IP) pair's or the known device's failures after a successful login."""
    cleared = [key for key in keys if key.startswith(CLEARED_ON_SUCCESS)]
    if cleared:
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(cleared)))


def roles_required(*roles):
    """Allow a view only to logged-in users with one of the roles; others get 403, visitors the login page."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Sent on every response: the app's, and the refusals gunicorn writes itself (kupang/serve_errors.py).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def set_security_headers(response):
    """Strict CSP and friends on every response."""
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        # Pages may carry personal data: never keep them in a shared PC's cache.
        headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies get the Secure flag whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        """Secure when configured, or when this request is HTTPS."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


# No address the app makes is longer (a search query is cut at 100 characters); gunicorn lets lines up to
# 8,190 bytes through so that this check, not gunicorn's bare page, answers a longer one.
MAX_URL_CHARS = 2048


def refuse_long_urls():
    """414 (the app's Indonesian page, with every header) for a path plus query longer than MAX_URL_CHARS."""
    query = request.query_string
    if len(request.path) + (len(query) + 1 if query else 0) > MAX_URL_CHARS:
        abort(414)


def refuse_nul_bytes():
    """400 for a NUL byte in the path, query or url-encoded form: PostgreSQL cannot store one in text.

    Multipart bodies are left to their views, which may raise the size limit for an upload first.
    """
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype == "application/x-www-form-urlencoded":
        values += [*request.form.keys(), *request.form.values()]
    if any("\0" in value for value in values):
        abort(400)


def safe_path(target):
    """`target` when it is a path on this site, else None: the one check for every redirect target.

    Browsers drop tabs and newlines and read "\\" as "/", so "/\t/x" or "/\\x" would leave the site;
    any control character, a scheme-relative "//" or a network location is refused.
    """
    from urllib.parse import urlsplit

    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def public(view):
    """Mark a view as open to everyone (login page, health check, ticket status); the access test reads it."""
    view.is_public = True
    return view
