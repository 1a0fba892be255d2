"""One's own account: password, two-step verification (enrolment and turning it off)."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from ..extensions import db
from ..security import (
    hash_outside_transaction,
    record_login_failure,
    throttle_keys,
    throttle_wait_seconds,
    verify_outside_transaction,
)
from . import accounts, bp
from .forms import ChangePasswordForm, DisableTotpForm, EmptyForm, TotpEnrolForm
from .known_devices import known_device_nonce
from .views import wait_message

ENROL_KEY = "totp_enrol"


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
    forced = user.must_change_password
    form = ChangePasswordForm(username=user.username)
    if form.validate_on_submit():
        if form.current_password.data == form.new_password.data:
            form.new_password.errors.append("Kata sandi baru harus berbeda dari yang lama.")
        elif not verify_outside_transaction(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Kata sandi saat ini salah.")
        else:
            new_hash = hash_outside_transaction(form.new_password.data)
            accounts.set_password(user, form.new_password.data, temporary=False, hashed=new_hash)
            db.session.commit()
            login_user(user)  # this session continues under the new epoch; the others end
            session.permanent = True
            flash("Kata sandi sudah diganti. Sesi di perangkat lain sudah diakhiri.", "success")
            return redirect(url_for("dashboard.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form, forced=forced), status


def enrolment_secret(user):
    """The TOTP secret being enrolled in this browser session, bound to this user (a new one otherwise)."""
    pending = session.get(ENROL_KEY)
    if isinstance(pending, dict) and pending.get("user") == user.id and isinstance(pending.get("secret"), str):
        return pending["secret"]
    secret = accounts.new_totp_secret()
    session[ENROL_KEY] = {"user": user.id, "secret": secret}
    return secret


@bp.route("/akun/2fa", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Enrol an authenticator app: QR code and secret, confirmed by one code (and the admin's code if mandatory)."""
    user = current_user._get_current_object()  # noqa: SLF001
    if user.totp_enabled:
        return render_template("auth/totp_enabled.html", form=DisableTotpForm(),
                               required=accounts.totp_required(user))
    secret = enrolment_secret(user)
    needs_code = accounts.enrol_code_needed(user)
    form = TotpEnrolForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        keys = throttle_keys(user.username, known_device_nonce(user.id))
        wait = throttle_wait_seconds(keys)
        if wait:
            flash(wait_message(wait), "error")
            status = 429
        else:
            try:
                accounts.enable_totp(user, secret, form.code.data, enrol_code=form.enrol_code.data)
            except accounts.EnrolCodeError as error:
                db.session.rollback()
                if form.enrol_code.data:
                    record_login_failure(keys)  # guessing enrolment codes is slowed like guessing passwords
                    db.session.commit()
                form.enrol_code.errors.append(str(error))
            except accounts.AccountError as error:
                form.code.errors.append(str(error))
            else:
                db.session.commit()
                session.pop(ENROL_KEY, None)
                flash("Verifikasi dua langkah aktif. Mulai sekarang masuk memerlukan kode dari aplikasi.", "success")
                return redirect(url_for("auth.account"))
    uri = accounts.totp_uri(user, secret)
    return render_template(
        "auth/totp_setup.html", form=form, secret=secret, qr_svg=accounts.totp_qr_svg(uri),
        required=accounts.totp_required(user), needs_code=needs_code,
    ), status


@bp.route("/akun/2fa/matikan", methods=["POST"])
@login_required
def totp_disable():
    """Turn one's own 2FA off (not allowed where the office requires it)."""
    user = current_user._get_current_object()  # noqa: SLF001
    form = DisableTotpForm()
    if accounts.totp_required(user):
        flash("Verifikasi dua langkah wajib untuk peran Anda dan tidak dapat dimatikan.", "error")
    elif not form.validate_on_submit() or not verify_outside_transaction(user.password_hash,
                                                                          form.current_password.data):
        flash("Kata sandi salah; verifikasi dua langkah tetap aktif.", "error")
    else:
        accounts.disable_totp(user, user)
        db.session.commit()
        flash("Verifikasi dua langkah dimatikan.", "success")
    return redirect(url_for("auth.account"))

