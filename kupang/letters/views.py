"""Clerk pages: the register, a new letter, a draft's preview and edit, issue, void, discard."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth.models import User
from ..db import begin_write, read_only
from ..extensions import db
from ..layout import ALL_STAFF
from ..params import db_int, page_number
from ..queue.models import Ticket
from ..registry.disclosure import lookup_residents
from ..registry.models import Resident
from ..security import roles_required
from ..timeutil import now_utc
from . import bp
from .issuing import (
    LetterError,
    create_draft,
    discard_draft,
    issue_letter,
    letter_type_for_service,
    parse_checked,
    parse_values,
    render_letter,
    update_draft,
    void_letter,
)
from .models import LETTER_STATUS, Letter, LetterType, Signatory
from .register import RegisterFilters, export_csv, export_xlsx, monthly_counts, register_page
from .templating import TemplateProblem

CLERKS = ("admin", "clerk")

audit.ACTION_LABELS.update({
    "letter_drafted": "Draf surat dibuat", "letter_draft_changed": "Draf surat diubah",
    "letter_draft_discarded": "Draf surat dibuang", "letter_issued": "Surat diterbitkan",
    "letter_printed": "Surat dicetak", "letter_reprinted": "Surat dicetak ulang (salinan)",
    "letter_voided": "Surat dibatalkan", "letters_exported": "Agenda surat diekspor",
    "letter_type_created": "Jenis surat ditambahkan", "letter_type_changed": "Jenis surat diubah",
    "signatory_saved": "Penandatangan surat disimpan", "letter_settings_changed": "Pengaturan surat diubah",
    "letter_logo_changed": "Logo kop surat diubah",
})


def load_letter(letter_id):
    """The letter or 404."""
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    return letter


def active_types():
    """The active letter types in their order."""
    return db.session.scalars(select(LetterType).where(LetterType.active.is_(True))
                              .order_by(LetterType.sort_order, LetterType.id)).all()


@bp.route("/surat")
@roles_required(*ALL_STAFF)
def register():
    """The register of letters (buku agenda surat keluar) with filters and counts per type per month."""
    filters = RegisterFilters.from_args(request.args)
    page = page_number(request.args)
    rows, more = register_page(filters, page)
    counts, months = monthly_counts(filters)
    types = db.session.scalars(select(LetterType).order_by(LetterType.sort_order, LetterType.id)).all()
    clerks = db.session.scalars(select(User).where(User.role.in_(CLERKS)).order_by(User.username)).all()
    return render_template("letters/register.html", rows=rows, more=more, page=page, filters=filters,
                           counts=counts, months=months, types=types, clerks=clerks, statuses=LETTER_STATUS,
                           printable=request.args.get("cetak") == "1")


@bp.route("/surat/ekspor")
@roles_required(*ALL_STAFF)
def export():
    """The register as .csv or .xlsx (NIK masked, formula-safe); the export is audited."""
    filters = RegisterFilters.from_args(request.args)
    kind = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    data = export_xlsx(filters) if kind == "xlsx" else export_csv(filters)
    begin_write()
    audit.record("letters_exported", "letter", None, filters=filters.query_args(), file_format=kind)
    db.session.commit()
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if kind == "xlsx"
                else "text/csv; charset=utf-8")
    return data, 200, {"Content-Type": mimetype,
                       "Content-Disposition": f'attachment; filename="agenda-surat-{now_utc():%Y%m%d}.{kind}"'}


def _new_context():
    """Resident, ticket and type chosen by ?penduduk=&tiket=&jenis= (the ticket's service proposes a type)."""
    ticket = db.session.get(Ticket, request.args.get("tiket", type=db_int) or 0)
    resident_id = request.args.get("penduduk", type=db_int) or (ticket.resident_id if ticket else None)
    resident = db.session.get(Resident, resident_id) if resident_id else None
    letter_type = db.session.get(LetterType, request.args.get("jenis", type=db_int) or 0)
    if letter_type is None and ticket is not None:
        letter_type = letter_type_for_service(ticket.service_id)
    return resident, ticket, letter_type


@bp.route("/surat/baru")
@roles_required(*CLERKS)
def new():
    """Start a letter: pick the resident (search), then the type, then fill in its fields."""
    resident, ticket, letter_type = _new_context()
    search = (request.args.get("cari") or "").strip()[:80]
    found = lookup_residents(search, source="surat") if resident is None and search else []
    return render_template("letters/new.html", resident=resident, ticket=ticket, letter_type=letter_type,
                           types=active_types(), search=search, found=found, values={}, errors={}, checked=[])


@bp.route("/surat/baru", methods=["POST"])
@roles_required(*CLERKS)
def create():
    """Save a new draft and show its preview."""
    resident = db.session.get(Resident, request.form.get("resident_id", type=db_int) or 0)
    letter_type = db.session.get(LetterType, request.form.get("type_id", type=db_int) or 0)
    ticket = db.session.get(Ticket, request.form.get("ticket_id", type=db_int) or 0)
    if resident is None or letter_type is None:
        flash("Pilih penduduk dan jenis surat terlebih dahulu.", "error")
        return redirect(url_for("letters.new"), 303)
    values, errors = parse_values(letter_type, request.form)
    checked = parse_checked(letter_type, request.form)
    if not errors:
        try:
            letter = create_draft(letter_type, resident, values=values, checked=checked, user=current_user,
                                  ticket_id=ticket.id if ticket else None)
        except LetterError as error:
            errors = {"_": str(error)}
        else:
            audit.record("letter_drafted", "letter", letter.id, resident_ids=[resident.id], jenis=letter_type.title)
            db.session.commit()
            flash("Draf surat disimpan. Periksa pratinjau lalu terbitkan.", "success")
            return redirect(url_for("letters.letter", letter_id=letter.id), 303)
    db.session.rollback()
    with read_only():
        return render_template("letters/new.html", resident=resident, ticket=ticket, letter_type=letter_type,
                               types=active_types(), search="", found=[], values=values, errors=errors,
                               checked=checked), 400


def letter_page(letter, errors=None, values=None, status=200):
    """A letter's page: a draft's preview and forms, or an issued letter's frozen text (NIK masked)."""
    resident = db.session.get(Resident, letter.resident_id)
    preview, problem = None, None
    if letter.status == "draft":
        try:
            _context, preview = render_letter(letter, resident)
        except TemplateProblem as error:
            problem = str(error)
    signatories = db.session.scalars(select(Signatory).where(Signatory.active.is_(True))
                                     .order_by(Signatory.id)).all()
    users = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(
        [i for i in (letter.created_by_id, letter.issued_by_id, letter.voided_by_id) if i])))}
    return render_template("letters/letter.html", letter=letter, resident=resident, preview=preview,
                           problem=problem, signatories=signatories, users=users, errors=errors or {},
                           values=values if values is not None else letter.values, statuses=LETTER_STATUS,
                           can_act=current_user.role in CLERKS, mask=audit.mask_numbers), status


@bp.route("/surat/<int:letter_id>")
@roles_required(*ALL_STAFF)
def letter(letter_id):
    """One letter: a draft's preview and edit form, or an issued/voided letter as it was issued."""
    return letter_page(load_letter(letter_id))


def _refused(letter, message, status=409):
    db.session.rollback()
    flash(message, "error")
    with read_only():
        return letter_page(db.session.get(Letter, letter.id) or letter, status=status)


@bp.route("/surat/<int:letter_id>/ubah", methods=["POST"])
@roles_required(*CLERKS)
def edit(letter_id):
    """Save a draft's field values and ticked requirements."""
    letter = load_letter(letter_id)
    if letter.status != "draft":
        return _refused(letter, "Surat yang sudah diterbitkan tidak dapat diubah.")
    values, errors = parse_values(letter.type, request.form)
    if errors:
        db.session.rollback()
        with read_only():
            return letter_page(letter, errors=errors, values=values, status=400)
    try:
        letter = update_draft(letter, values=values, checked=parse_checked(letter.type, request.form),
                              version=request.form.get("version", -1, type=db_int))
    except LetterError as error:
        return _refused(letter, str(error))
    audit.record("letter_draft_changed", "letter", letter.id, resident_ids=[letter.resident_id])
    db.session.commit()
    flash("Draf disimpan.", "success")
    return redirect(url_for("letters.letter", letter_id=letter.id), 303)


@bp.route("/surat/<int:letter_id>/buang", methods=["POST"])
@roles_required(*CLERKS)
def discard(letter_id):
    """Throw a draft away."""
    letter = load_letter(letter_id)
    resident_id = letter.resident_id
    try:
        discard_draft(letter, request.form.get("version", -1, type=db_int))
    except LetterError as error:
        return _refused(letter, str(error))
    audit.record("letter_draft_discarded", "letter", letter_id, resident_ids=[resident_id])
    db.session.commit()
    flash("Draf surat dibuang.", "success")
    return redirect(url_for("letters.register"), 303)


@bp.route("/surat/<int:letter_id>/terbitkan", methods=["POST"])
@roles_required(*CLERKS)
def issue(letter_id):
    """Issue a draft: give it its number and freeze its text and data."""
    letter = load_letter(letter_id)
    try:
        letter = issue_letter(letter, version=request.form.get("version", -1, type=db_int),
                              signatory_id=request.form.get("signatory_id", type=db_int), user=current_user)
    except LetterError as error:
        return _refused(letter, str(error))
    audit.record("letter_issued", "letter", letter.id, resident_ids=[letter.resident_id], nomor=letter.number)
    db.session.commit()
    flash(f"Surat diterbitkan dengan nomor {letter.number}.", "success")
    return redirect(url_for("letters.letter", letter_id=letter.id), 303)


@bp.route("/surat/<int:letter_id>/batalkan", methods=["POST"])
@roles_required(*CLERKS)
def void(letter_id):
    """Void an issued letter with a reason (its number is not given again)."""
    letter = load_letter(letter_id)
    try:
        letter = void_letter(letter, version=request.form.get("version", -1, type=db_int),
                             reason=request.form.get("reason", ""), user=current_user)
    except LetterError as error:
        return _refused(letter, str(error))
    audit.record("letter_voided", "letter", letter.id, resident_ids=[letter.resident_id], nomor=letter.number,
                 alasan=letter.void_reason)
    db.session.commit()
    flash(f"Surat {letter.number} dibatalkan.", "success")
    return redirect(url_for("letters.letter", letter_id=letter.id), 303)


@bp.route("/surat/penduduk/<int:resident_id>")
@roles_required(*ALL_STAFF)
def resident_letters(resident_id):
    """The letters made for a resident (the fragment the resident page loads)."""
    if db.session.get(Resident, resident_id) is None:
        abort(404)
    letters = db.session.scalars(select(Letter).where(Letter.resident_id == resident_id)
                                 .order_by(Letter.created_at.desc(), Letter.id.desc()).limit(50)).all()
    return render_template("letters/_resident_letters.html", letters=letters, resident_id=resident_id,
                           statuses=LETTER_STATUS, can_act=current_user.role in CLERKS)
