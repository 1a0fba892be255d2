"""Login (password, then a TOTP code when enabled) and logout."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from .. import audit
from ..extensions import db, login_manager
from ..htmx import hx_redirect, is_htmx
from ..security import (
    clear_login_failures,
    public,
    record_login_failure,
    safe_path,
    throttle_keys,
    throttle_wait_seconds,
)
from ..timeutil import now_utc
from . import accounts, bp
from . import login as rules
from .forms import LoginForm, TotpForm
from .known_devices import known_device_nonce, remember_device
from .models import User
from .sessions import end_every_session, end_session, start_session

WRONG_LOGIN = "Nama pengguna atau kata sandi salah."
WRONG_CODE = "Kode salah atau sudah pernah dipakai. Tunggu kode berikutnya lalu coba lagi."
CODE_JUST_USED = ("Kode ini baru saja dipakai: tunggu kode berikutnya (30 detik), lalu masukkan kode baru "
                  "yang tampil di aplikasi.")
PENDING_KEY = "pending_2fa"
# Endpoints a user with an unfinished account requirement may still reach.
OPEN_ENDPOINTS = {"auth.change_password", "auth.totp_setup", "auth.logout", "static", "dashboard.healthz"}


def wait_message(seconds):
    """'Coba lagi dalam 2 menit' style text."""
    if seconds >= 90:
        return f"Terlalu banyak percobaan gagal. Coba lagi dalam {round(seconds / 60)} menit."
    return f"Terlalu banyak percobaan gagal. Coba lagi dalam {seconds} detik."


def safe_next(target):
    """Only a path on this site is followed after login; anything else goes to the home page."""
    return safe_path(target) or url_for("dashboard.index")


def redirect_htmx_aware(url):
    """A redirect that also navigates the page when the request came from htmx."""
    return hx_redirect(url) if is_htmx() else redirect(url)


@login_manager.unauthorized_handler
def unauthorized():
    """Visitors (or expired sessions) go to the login page; htmx requests navigate there too."""
    flash("Silakan masuk terlebih dahulu.", "info")
    url = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    return redirect_htmx_aware(url)


def enforce_account_requirements():
    """Before any page: a temporary password must be changed and mandatory 2FA set up."""
    if request.endpoint in OPEN_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return redirect_htmx_aware(url_for("auth.change_password"))
    if accounts.totp_required(current_user) and not current_user.totp_enabled:
        return redirect_htmx_aware(url_for("auth.totp_setup"))
    return None


def finish_login(user, keys):
    """Start a clean session, remember this browser for the account, record the login."""
    clear_login_failures(keys)
    start_session(user)
    remember_device(user.id)
    user.last_login_at = now_utc()
    audit.record("login", "user", user.id, user=user)
    db.session.commit()


@bp.route("/masuk", methods=["GET", "POST"])
@public
def login():
    """Log in with username and password (then a TOTP code when enabled)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200
    attempt = rules.read_attempt(form.username.data)
    if attempt.wait:
        rules.throttled(attempt)
        db.session.commit()
        return throttled_page("auth/login.html", form, attempt.wait)
    valid, new_hash = rules.check_password(attempt, form.password.data)  # no transaction is open here
    outcome, result = rules.settle(attempt, valid, new_hash)
    if outcome == "throttled":
        db.session.commit()
        return throttled_page("auth/login.html", form, result)
    if outcome == "failed":
        db.session.commit()
        flash(WRONG_LOGIN, "error")
        return render_template("auth/login.html", form=form), 200
    user = result
    if user.totp_enabled:
        # The failures are cleared only after the code too: TOTP guesses keep growing the delay.
        session.clear()  # a clean start: nothing a previous user of this browser left behind
        session[PENDING_KEY] = {"id": user.id, "epoch": user.session_epoch}
        db.session.commit()
        return redirect(url_for("auth.login_totp", next=safe_path(request.args.get("next"))))
    finish_login(user, attempt.keys)
    return redirect(safe_next(request.args.get("next")))


def throttled_page(template, form, wait):
    """429 with the wait in words and in Retry-After."""
    flash(wait_message(wait), "error")
    return render_template(template, form=form), 429, {"Retry-After": str(wait)}


def pending_user():
    """The user who passed the password step and still owes a TOTP code."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    user_id = pending.get("id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.session_epoch != pending.get("epoch") or not user.totp_enabled:
        return None
    return user


@bp.route("/masuk/verifikasi", methods=["GET", "POST"])
@public
def login_totp():
    """Second login step: the authenticator code."""
    user = pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash("Silakan masuk kembali.", "info")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        keys = throttle_keys(user.username, known_device_nonce(user.id))
        wait = throttle_wait_seconds(keys)
        if wait:
            return throttled_page("auth/login_totp.html", form, wait)
        user = rules.lock_user(user.id)  # two tabs sending one code at once: only one may use it
        if accounts.check_totp_login(user, form.code.data):
            finish_login(user, keys)
            return redirect(safe_next(request.args.get("next")))
        if accounts.code_was_just_used(user.totp_secret, form.code.data, user.totp_last_counter):
            flash(CODE_JUST_USED, "error")  # the right code, typed again: not a guess
        else:
            record_login_failure(keys)
            audit.record("totp_failed", "user", user.id, user=user)
            db.session.commit()
            flash(WRONG_CODE, "error")
    return render_template("auth/login_totp.html", form=form)


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    """End this session, on the server too: the cookie cannot be used again."""
    audit.record("logout", "user", current_user.id)
    end_session()
    db.session.commit()
    logout_user()
    session.clear()
    flash("Anda sudah keluar.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/keluar-semua", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of this user, on every device."""
    user = current_user._get_current_object()  # noqa: SLF001
    end_every_session(user)
    audit.record("logout_everywhere", "user", user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Semua sesi Anda di semua perangkat sudah diakhiri.", "info")
    return redirect(url_for("auth.login"))
