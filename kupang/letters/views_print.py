"""The print page of an issued letter: A4 or F4, QR code to its verification page, SALINAN on reprints."""
from functools import lru_cache

import segno
from flask import flash, redirect, render_template, request, url_for

from .. import audit
from ..db import begin_write
from ..extensions import db
from ..security import roles_required
from ..timeutil import format_date_id, to_local
from . import bp
from .issuing import record_print
from .logo import logo_data_uri
from .views import CLERKS, load_letter

PAPER = {"a4": "A4 (210 × 297 mm)", "f4": "F4 / Folio (215 × 330 mm)"}


@lru_cache(maxsize=512)
def qr_data_uri(url):
    """The verification URL as an SVG QR code in a data: URI (allowed by the CSP's img-src).

    A fixed mask skips segno's evaluation of all eight (half the cost; any mask is a valid code), and a
    reprint reuses the code drawn for the first print.
    """
    return segno.make(url, error="m", mask=0, micro=False).svg_data_uri(scale=3, border=2)


@bp.route("/surat/<int:letter_id>/cetak")
@roles_required(*CLERKS)
def print_letter(letter_id):
    """An issued (or voided) letter as printed; opening it counts a print, reprints say SALINAN. Audited."""
    letter = load_letter(letter_id)
    if letter.status == "draft":
        flash("Surat masih draf. Terbitkan dahulu; draf tidak dapat dicetak.", "error")
        return redirect(url_for("letters.letter", letter_id=letter.id), 303)
    paper = request.args.get("kertas") if request.args.get("kertas") in PAPER else "a4"
    # Everything the page shows is loaded now: detached, the letter is not read again after the commits below.
    db.session.expunge(letter)
    begin_write()
    copy = record_print(letter)
    # The printed letter carries the full NIK: the print is recorded as a disclosure to this user too.
    audit.record("letter_reprinted" if copy else "letter_printed", "letter", letter.id,
                 resident_ids=[letter.resident_id], nomor=letter.number, kertas=paper)
    audit.record("resident_nik_revealed", "resident", letter.resident_id, source="cetak surat", surat=letter.number)
    db.session.commit()
    verify_url = url_for("letters.verify", verify_token=letter.verify_token, _external=True)
    snapshot = letter.snapshot
    return render_template("letters/print.html", letter=letter, s=snapshot, paper=paper, papers=PAPER, copy=copy,
                           qr=qr_data_uri(verify_url) if letter.status == "issued" else None, verify_url=verify_url,
                           issued_date=format_date_id(to_local(letter.issued_at)),
                           logo=logo_data_uri(snapshot.get("kop", {}).get("logo")))
