"""Public verification of a letter by the token in its QR code: status and the least data that proves it."""
from flask import abort, current_app, render_template, request
from sqlalchemy import select

from .. import ratelimit
from ..db import write_transaction
from ..extensions import db
from ..registry.masking import mask_nik
from ..security import public
from ..timeutil import format_date_id, now_utc, to_local
from . import bp
from .issuing import count_verification, short_name, verification_status
from .models import Letter


@bp.route("/surat/cek/<verify_token>")
@public
def verify(verify_token):
    """Is this letter genuine? Office, type, number, date, validity, status, short name, masked NIK."""
    if not ratelimit.allow(f"surat-cek:{request.remote_addr or '-'}", current_app.config["LETTER_VERIFY_PER_MINUTE"]):
        abort(429)
    letter = db.session.scalar(select(Letter).where(Letter.verify_token == verify_token[:64],
                                                    Letter.status != "draft"))
    if letter is None:
        return render_template("letters/verify.html", letter=None), 404
    snapshot = letter.snapshot
    with write_transaction():
        count_verification(letter.id)
    person = snapshot.get("penduduk", {})
    return render_template(
        "letters/verify.html", letter=letter, status=verification_status(letter, now_utc()),
        office=snapshot.get("kantor", {}).get("nama", ""), title=snapshot.get("jenis", ""),
        issued=format_date_id(to_local(letter.issued_at)),
        valid_until=format_date_id(to_local(letter.valid_until)) if letter.valid_until else "",
        voided=format_date_id(to_local(letter.voided_at)) if letter.voided_at else "",
        name=short_name(person.get("nama", "")), nik=mask_nik(person.get("nik", "")))
