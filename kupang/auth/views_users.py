"""User administration (admins): accounts, roles, deactivation, password resets, 2FA policy and codes."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..security import hash_outside_transaction, roles_required
from ..settings import get_setting, set_setting
from . import accounts, bp
from .forms import EmptyForm, ResetPasswordForm, SecurityPolicyForm, UserCreateForm, UserEditForm
from .models import User


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
        if value == "1" and not current_user.totp_enabled:
            flash("Aktifkan verifikasi dua langkah Anda sendiri dahulu (menu Akun saya), lalu wajibkan untuk "
                  "semua. Pengguna lain mendaftar dengan kode pendaftaran dari halaman pengguna masing-masing.",
                  "error")
            return redirect(url_for("auth.users"))
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
        hashed = hash_outside_transaction(form.new_password.data)
        try:
            area = form.area_code.data if current_app.config.get("ROLE", "office") == "city" else None
            accounts.create_user(form.username.data, form.role.data, form.new_password.data,
                                 full_name=form.full_name.data, actor=current_user, hashed=hashed, area_code=area)
        except accounts.AccountError as error:
            db.session.rollback()
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


def edit_page(user, form=None, reset_form=None, status=200, enrol_code=None):
    """The user's page with its forms (and a just-made enrolment code, shown this once)."""
    return render_template("auth/user_edit.html", user=user, form=form or UserEditForm(obj=user),
                           reset_form=reset_form or ResetPasswordForm(), action_form=EmptyForm(),
                           enrol_code=enrol_code, enrol_hours=accounts.ENROL_CODE_HOURS,
                           remote=user.role in accounts.REMOTE_ROLES), status


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
    return edit_page(user, form=form, status=400 if request.method == "POST" else 200)


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
        hashed = hash_outside_transaction(form.new_password.data)
        accounts.set_password(user, form.new_password.data, temporary=True, actor=current_user, hashed=hashed)
        db.session.commit()
        flash(f"Kata sandi {user.username} direset; ia wajib menggantinya saat masuk.", "success")
        return redirect(url_for("auth.user_edit", user_id=user.id), 303)
    return edit_page(user, reset_form=form, status=400)


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


@bp.route("/pengguna/<int:user_id>/kode-2fa", methods=["POST"])
@roles_required("admin")
def user_enrol_code(user_id):
    """A one-time code the user needs to enrol 2FA where the office requires it; shown once on this page."""
    user = get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        code = accounts.new_enrol_code(user, current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("auth.user_edit", user_id=user.id), 303)
    db.session.commit()
    return edit_page(user, enrol_code=code)
