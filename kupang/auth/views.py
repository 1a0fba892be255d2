"""Login, logout, own account, and user administration."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import audit
from ..db import lock_for_update
from ..extensions import db, login_manager
from ..htmx import hx_redirect, is_htmx
from ..security import (
    clear_login_failures,
    password_needs_rehash,
    public,
    record_login_failure,
    roles_required,
    safe_path,
    throttle_keys,
    throttle_wait_seconds,
    verify_password,
)
from ..settings import get_setting, set_setting
from ..timeutil import now_utc
from . import accounts, bp
from .forms import (
    ChangePasswordForm,
    DisableTotpForm,
    EmptyForm,
    LoginForm,
    ResetPasswordForm,
    SecurityPolicyForm,
    TotpForm,
    UserCreateForm,
    UserEditForm,
)
from .models import User, find_user

WRONG_LOGIN = "Nama pengguna atau kata sandi salah."
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


def finish_login(user):
    """Start the session and record the login."""
    session.pop(PENDING_KEY, None)
    login_user(user)
    session.permanent = True
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
    status = 200
    if form.validate_on_submit():
        username = form.username.data
        keys = throttle_keys(username)
        wait = throttle_wait_seconds(keys)
        if wait:
            audit.record("login_throttled", "user", username=username[:80])
            db.session.commit()
            return throttled_page("auth/login.html", form, wait)
        user = find_user(username)
        valid = verify_password(user.password_hash if user else None, form.password.data)
        if not valid or not user.active:
            record_login_failure(keys)
            audit.record("login_failed", "user", getattr(user, "id", None), username=username[:80])
            db.session.commit()
            flash(WRONG_LOGIN, "error")
            return render_template("auth/login.html", form=form), 200
        if password_needs_rehash(user.password_hash):
            user.password_hash = accounts.hash_password(form.password.data)
        if user.totp_enabled:
            # The account's failures are cleared only after the code too: TOTP guesses keep growing the delay.
            session[PENDING_KEY] = {"id": user.id, "epoch": user.session_epoch}
            db.session.commit()
            return redirect(url_for("auth.login_totp", next=request.args.get("next")))
        clear_login_failures(username)
        finish_login(user)
        return redirect(safe_next(request.args.get("next")))
    if request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def throttled_page(template, form, wait):
    """429 with the wait in words and in Retry-After."""
    flash(wait_message(wait), "error")
    return render_template(template, form=form), 429, {"Retry-After": str(wait)}


def lock_user(user_id):
    """The user row re-read and locked for this transaction (PostgreSQL; SQLite writes are serialised)."""
    stmt = lock_for_update(select(User).where(User.id == user_id)).execution_options(populate_existing=True)
    return db.session.scalars(stmt).one()


def pending_user():
    """The user who passed the password step and still owes a TOTP code."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return None
    user = db.session.get(User, pending.get("id"))
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
        keys = throttle_keys(user.username)
        wait = throttle_wait_seconds(keys)
        if wait:
            return throttled_page("auth/login_totp.html", form, wait)
        user = lock_user(user.id)  # two tabs sending one code at once: only one may use it
        if accounts.check_totp_login(user, form.code.data):
            clear_login_failures(user.username)
            finish_login(user)
            return redirect(safe_next(request.args.get("next")))
        record_login_failure(keys)
        audit.record("totp_failed", "user", user.id, user=user)
        db.session.commit()
        flash("Kode salah atau sudah pernah dipakai. Tunggu kode berikutnya lalu coba lagi.", "error")
    return render_template("auth/login_totp.html", form=form)


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    """End this session."""
    audit.record("logout", "user", current_user.id)
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
    user.end_all_sessions()
    audit.record("logout_everywhere", "user", user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Semua sesi Anda di semua perangkat sudah diakhiri.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/akun")
@login_required
def account():
    """Own account: password, two-step verification, sessions."""
    return render_template("auth/account.html", form=EmptyForm(), required=accounts.totp_required(current_user))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (forced after an admin-set one)."""
    user = current_user._get_current_object()  # noqa: SLF001
    form = ChangePasswordForm(username=user.username)
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Kata sandi saat ini salah.")
        elif form.current_password.data == form.new_password.data:
            form.new_password.errors.append("Kata sandi baru harus berbeda dari yang lama.")
        else:
            accounts.set_password(user, form.new_password.data, temporary=False)
            db.session.commit()
            login_user(user)  # this session continues under the new epoch; the others end
            session.permanent = True
            flash("Kata sandi sudah diganti. Sesi di perangkat lain sudah diakhiri.", "success")
            return redirect(url_for("dashboard.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form, forced=user.must_change_password), status


@bp.route("/akun/2fa", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Enrol an authenticator app: QR code and secret, confirmed by one code."""
    user = current_user._get_current_object()  # noqa: SLF001
    if user.totp_enabled:
        return render_template("auth/totp_enabled.html", form=DisableTotpForm(),
                               required=accounts.totp_required(user))
    secret = session.get("totp_secret") or accounts.new_totp_secret()
    session["totp_secret"] = secret
    form = TotpForm()
    if form.validate_on_submit():
        try:
            accounts.enable_totp(user, secret, form.code.data)
        except accounts.AccountError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            session.pop("totp_secret", None)
            flash("Verifikasi dua langkah aktif. Mulai sekarang masuk memerlukan kode dari aplikasi.", "success")
            return redirect(url_for("auth.account"))
    uri = accounts.totp_uri(user, secret)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "auth/totp_setup.html", form=form, secret=secret, qr_svg=accounts.totp_qr_svg(uri),
        required=accounts.totp_required(user),
    ), status


@bp.route("/akun/2fa/matikan", methods=["POST"])
@login_required
def totp_disable():
    """Turn one's own 2FA off (not allowed where the office requires it)."""
    user = current_user._get_current_object()  # noqa: SLF001
    form = DisableTotpForm()
    if accounts.totp_required(user):
        flash("Verifikasi dua langkah wajib untuk peran Anda dan tidak dapat dimatikan.", "error")
    elif not form.validate_on_submit() or not verify_password(user.password_hash, form.current_password.data):
        flash("Kata sandi salah; verifikasi dua langkah tetap aktif.", "error")
    else:
        accounts.disable_totp(user, user)
        db.session.commit()
        flash("Verifikasi dua langkah dimatikan.", "success")
    return redirect(url_for("auth.account"))


# --- user administration (admins) ---------------------------------------------------------


@bp.route("/pengguna")
@roles_required("admin")
def users():
    """All accounts with their role and state, and the office's account policy."""
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.username)).all()
    policy = SecurityPolicyForm(require_2fa=get_setting("require_2fa") == "1")
    return render_template("auth/users.html", users=rows, policy=policy, form=EmptyForm())


@bp.route("/pengguna/kebijakan", methods=["POST"])
@roles_required("admin")
def security_policy():
    """Make 2FA mandatory (or not) for supervisors and admins."""
    form = SecurityPolicyForm()
    if form.validate_on_submit():
        value = "1" if form.require_2fa.data else "0"
        previous = set_setting("require_2fa", value)
        if previous != value:
            audit.record("setting_changed", "setting", "require_2fa", old=previous, new=value)
        db.session.commit()
        flash("Kebijakan akun disimpan.", "success")
    return redirect(url_for("auth.users"))


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@roles_required("admin")
def user_create():
    """Create an account with a temporary password."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            accounts.create_user(form.username.data, form.role.data, form.new_password.data,
                                 full_name=form.full_name.data, actor=current_user)
        except accounts.AccountError as error:
            form.username.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Pengguna {form.username.data} dibuat. Ia wajib mengganti kata sandi saat pertama masuk.",
                  "success")
            return redirect(url_for("auth.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/user_form.html", form=form), status


def get_user_or_404(user_id):
    """The account, or a 404 page."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id):
    """Change a user's name and role."""
    user = get_user_or_404(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            user.full_name = form.full_name.data
            accounts.change_role(user, form.role.data, current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Data pengguna disimpan.", "success")
            return redirect(url_for("auth.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/user_edit.html", user=user, form=form, reset_form=ResetPasswordForm(),
                           action_form=EmptyForm()), status


@bp.route("/pengguna/<int:user_id>/status", methods=["POST"])
@roles_required("admin")
def user_toggle_active(user_id):
    """Deactivate or reactivate an account."""
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_active(user, not user.active, current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Pengguna {user.username} {'diaktifkan' if user.active else 'dinonaktifkan'}.", "success")
    return redirect(url_for("auth.user_edit", user_id=user.id), 303)


@bp.route("/pengguna/<int:user_id>/reset", methods=["POST"])
@roles_required("admin")
def user_reset_password(user_id):
    """Set a temporary password the user must change at next login."""
    user = get_user_or_404(user_id)
    form = ResetPasswordForm(username=user.username)
    if form.validate_on_submit():
        accounts.set_password(user, form.new_password.data, temporary=True, actor=current_user)
        db.session.commit()
        flash(f"Kata sandi {user.username} direset; ia wajib menggantinya saat masuk.", "success")
        return redirect(url_for("auth.user_edit", user_id=user.id), 303)
    return render_template("auth/user_edit.html", user=user, form=UserEditForm(obj=user), reset_form=form,
                           action_form=EmptyForm()), 400


@bp.route("/pengguna/<int:user_id>/2fa", methods=["POST"])
@roles_required("admin")
def user_reset_totp(user_id):
    """Turn off a user's 2FA (lost phone); they enrol again at next login if it is mandatory."""
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit() and accounts.disable_totp(user, current_user):
        user.end_all_sessions()
        db.session.commit()
        flash(f"Verifikasi dua langkah {user.username} dimatikan.", "success")
    return redirect(url_for("auth.user_edit", user_id=user.id), 303)
