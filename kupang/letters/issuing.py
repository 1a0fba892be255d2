"""Letter rules: drafting, issuing (number + frozen snapshot), voiding, printing and verification status.

Functions add to the caller's transaction and never commit (a POST is already a write transaction).
Issuing and voiding are conditional transitions (`UPDATE ... WHERE status = ... AND version = ...`), as
the counter's are in kupang/queue/calling.py: a double click applies once, the second gets a message.
"""
import json
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..registry import codes
from ..registry.models import Resident
from ..timeutil import format_date_id, now_utc, parse_date_id, to_local
from .models import Letter, LetterType, Signatory
from .numbering import NumberingError, format_number, next_number
from .office import letter_settings, letterhead, office_placeholders
from .templating import TemplateProblem, render_blocks

DRAFT_DAYS = 30  # a draft older than this is stale: the resident's situation may have changed
VALUE_MAX = 500
REASON_MIN = 5
PENDING_NUMBER = "(nomor diberikan saat diterbitkan)"


class LetterError(ValueError):
    """A letter cannot be drafted, issued or voided; the message is Indonesian."""


def resident_values(resident):
    """The resident's data as the `penduduk.*` placeholders print them (read now, frozen at issue)."""
    occupation = resident.occupation.name if resident.occupation else ""
    return {
        "nama": resident.name, "nik": resident.nik or "", "tempat_lahir": resident.birth_place or "",
        "tanggal_lahir": format_date_id(resident.birth_date), "alamat": resident.address or "",
        "rt": resident.rt or "", "rw": resident.rw or "", "agama": codes.RELIGION.get(resident.religion, ""),
        "pekerjaan": occupation, "jenis_kelamin": codes.SEX.get(resident.sex, ""),
        "status_kawin": codes.MARITAL.get(resident.marital_status, ""),
        "kewarganegaraan": codes.CITIZENSHIP.get(resident.citizenship, ""),
    }


def check_resident(letter_type, resident):
    """Raise LetterError when this type may not be made for this resident (status, NIK, merged record)."""
    if resident.merged_into_id:
        raise LetterError("Data penduduk ini ganda dan sudah digabungkan; buat surat dari data yang dipakai.")
    status = resident.life_status
    label = codes.LIFE_STATUS.get(status, status).lower()
    if letter_type.resident_rule == "hidup" and status != "hidup":
        raise LetterError(f"{letter_type.title} tidak dapat dibuat: {resident.name} tercatat berstatus {label}.")
    if letter_type.resident_rule == "mati" and status != "mati":
        raise LetterError(f"{letter_type.title} hanya untuk penduduk yang tercatat meninggal. Catat dahulu "
                          f"peristiwa kematian {resident.name} pada data penduduk.")
    if letter_type.needs_nik and not resident.nik:
        raise LetterError(f"{letter_type.title} memerlukan NIK, sedangkan NIK {resident.name} belum tercatat. "
                          "Lengkapi NIK pada data penduduk terlebih dahulu.")


def parse_values(letter_type, form):
    """(values, errors) from posted fields `f_<name>` for the type's extra fields; errors by field name."""
    values, errors = {}, {}
    for field in letter_type.fields:
        name = field["name"]
        raw = " ".join((form.get(f"f_{name}") or "").split()) if field.get("kind") != "paragraf" \
            else (form.get(f"f_{name}") or "").strip()
        if len(raw) > VALUE_MAX:
            errors[name] = f"Maksimal {VALUE_MAX} karakter."
        elif not raw and field.get("required"):
            errors[name] = f"{field['label']} wajib diisi."
        elif raw and field.get("kind") == "tanggal":
            try:
                raw = format_date_id(parse_date_id(raw))
            except ValueError as error:
                errors[name] = str(error)
        values[name] = raw
    return values, errors


def parse_checked(letter_type, form):
    """The requirements the clerk ticked (only the type's own)."""
    ticked = set(form.getlist("syarat"))
    return [item for item in letter_type.requirements if item in ticked]


def create_draft(letter_type, resident, *, values, checked, user, ticket_id=None):
    """A new draft letter for the resident (rules checked first)."""
    if not letter_type.active:
        raise LetterError(f"Jenis surat {letter_type.title} sedang tidak aktif.")
    check_resident(letter_type, resident)
    now = now_utc()
    letter = Letter(type_id=letter_type.id, resident_id=resident.id, ticket_id=ticket_id,
                    kelurahan_code=current_app.config["KELURAHAN_CODE"], status="draft",
                    values_json=json.dumps(values, ensure_ascii=False), checked_json=json.dumps(checked,
                                                                                                ensure_ascii=False),
                    created_at=now, updated_at=now, created_by_id=getattr(user, "id", None),
                    verify_token=secrets.token_urlsafe(32), verify_count=0, print_count=0, version=0)
    db.session.add(letter)
    db.session.flush()
    return letter


def _claim(letter_id, version, status_from, values):
    """The conditional transition: apply `values` only if the letter is still in `status_from` at `version`."""
    result = db.session.execute(
        update(Letter).where(Letter.id == letter_id, Letter.status == status_from, Letter.version == version)
        .values(version=Letter.version + 1, updated_at=now_utc(), **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _reload(letter_id):
    return db.session.scalars(select(Letter).where(Letter.id == letter_id)
                              .execution_options(populate_existing=True)).one()


def changed_message(letter):
    """The message for a form based on an old state of the letter."""
    if letter.status == "issued":
        return f"Surat ini sudah diterbitkan dengan nomor {letter.number}; tidak ada yang diubah."
    if letter.status == "void":
        return "Surat ini sudah dibatalkan; tidak ada yang diubah."
    return "Draf ini baru saja diubah di tempat lain. Periksa isinya lalu simpan lagi."


def update_draft(letter, *, values, checked, version):
    """Save new field values on a draft the clerk saw at `version`."""
    if not _claim(letter.id, version, "draft", {"values_json": json.dumps(values, ensure_ascii=False),
                                               "checked_json": json.dumps(checked, ensure_ascii=False)}):
        raise LetterError(changed_message(_reload(letter.id)))
    return _reload(letter.id)


def discard_draft(letter, version):
    """Delete a draft (it never had a number)."""
    if not _claim(letter.id, version, "draft", {"status": "draft"}):
        raise LetterError(changed_message(_reload(letter.id)))
    db.session.delete(_reload(letter.id))
    db.session.flush()


def missing_fields(letter_type, values):
    """Labels of the required extra fields still empty."""
    return [f["label"] for f in letter_type.fields if f.get("required") and not (values.get(f["name"]) or "").strip()]


def letter_context(letter, resident, *, number=None, issued_at=None, settings=None):
    """The penduduk/surat/kantor values a letter's text is rendered with."""
    at = issued_at or now_utc()
    days = letter.type.validity_days
    surat = {"nomor": number or PENDING_NUMBER, "tanggal": format_date_id(to_local(at)),
             "berlaku_sampai": format_date_id(to_local(at + timedelta(days=days))) if days else "",
             "jenis": letter.type.title, **{f["name"]: "" for f in letter.type.fields}, **letter.values}
    return {"penduduk": resident_values(resident), "surat": surat, "kantor": office_placeholders(settings)}


def render_letter(letter, resident, **kwargs):
    """(context, blocks) of a letter rendered now (a draft's preview, or the text frozen at issue)."""
    context = letter_context(letter, resident, **kwargs)
    blocks = render_blocks({"opening": letter.type.opening, "body": letter.type.body,
                            "closing": letter.type.closing}, context)
    return context, blocks


def signatory_snapshot(signatory):
    """The signature block's lines as printed."""
    return {"prefix": signatory.prefix, "position": signatory.position, "name": signatory.name, "nip": signatory.nip}


def issue_letter(letter, *, version, signatory_id, user, at=None):
    """Number and freeze a draft: the number, the rendered text and the data as printed are kept for good.

    Raises LetterError (nothing issued) for a stale draft, a missing field or requirement, a resident the
    type cannot be made for, an unknown signatory, a template that cannot render, or a clock gone back.
    """
    letter_type, resident = letter.type, db.session.get(Resident, letter.resident_id)
    if letter.status != "draft" or letter.version != version:
        raise LetterError(changed_message(letter))
    if now_utc() - letter.created_at > timedelta(days=DRAFT_DAYS):
        raise LetterError(f"Draf ini dibuat lebih dari {DRAFT_DAYS} hari lalu dan sudah kedaluwarsa. "
                          "Buang draf ini lalu buat surat baru dengan data terkini.")
    if not letter_type.active:
        raise LetterError(f"Jenis surat {letter_type.title} sedang tidak aktif.")
    check_resident(letter_type, resident)
    missing = missing_fields(letter_type, letter.values)
    if missing:
        raise LetterError(f"Lengkapi dahulu: {', '.join(missing)}.")
    unticked = [item for item in letter_type.requirements if item not in letter.checked]
    if unticked:
        raise LetterError(f"Persyaratan belum diperiksa: {', '.join(unticked)}.")
    signatory = db.session.get(Signatory, signatory_id) if signatory_id else None
    if signatory is None or not signatory.active:
        raise LetterError("Pilih penandatangan surat.")
    if not _claim(letter.id, version, "draft", {"status": "issued"}):
        raise LetterError(changed_message(_reload(letter.id)))
    letter = _reload(letter.id)
    settings = letter_settings()
    try:
        year, key, value, at = next_number(letter_type.code, settings["scope"], at)
    except NumberingError as error:
        raise LetterError(str(error)) from None
    number = format_number(settings["format"], code=letter_type.code, value=value, kelurahan=settings["kelurahan"],
                           at=at)
    try:
        context, blocks = render_letter(letter, resident, number=number, issued_at=at, settings=settings)
    except TemplateProblem as error:
        raise LetterError(str(error)) from None
    kop = {**letterhead(settings), "logo": settings["logo"]}
    snapshot = {"blocks": blocks, **context, "kop": kop, "jenis": letter_type.title,
                "penandatangan": signatory_snapshot(signatory), "persyaratan": letter.checked}
    letter.number, letter.seq_year, letter.seq_key, letter.seq_value = number, year, key, value
    letter.issued_at, letter.issued_by_id, letter.signatory_id = at, getattr(user, "id", None), signatory.id
    letter.valid_until = at + timedelta(days=letter_type.validity_days) if letter_type.validity_days else None
    letter.snapshot_json = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    db.session.flush()
    return letter


def void_letter(letter, *, version, reason, user):
    """Void an issued letter with a reason; its number is never given again."""
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise LetterError(f"Tulis alasan pembatalan (minimal {REASON_MIN} karakter).")
    if len(reason) > VALUE_MAX:
        raise LetterError(f"Alasan pembatalan maksimal {VALUE_MAX} karakter.")
    values = {"status": "void", "void_reason": reason, "voided_at": now_utc(),
              "voided_by_id": getattr(user, "id", None)}
    if not _claim(letter.id, version, "issued", values):
        current = _reload(letter.id)
        if current.status == "draft":
            raise LetterError("Draf belum diterbitkan; buang draf bila tidak dipakai.")
        raise LetterError(changed_message(current) if current.status != "issued"
                          else "Surat ini baru saja diubah di tempat lain. Muat ulang halaman lalu coba lagi.")
    return _reload(letter.id)


def record_print(letter):
    """Count one print of an issued letter (a single UPDATE); True when it is a reprint (SALINAN)."""
    db.session.execute(update(Letter).where(Letter.id == letter.id).values(print_count=Letter.print_count + 1)
                       .execution_options(synchronize_session=False))
    return letter.print_count > 0


def verification_status(letter, at=None):
    """'sah', 'dibatalkan' or 'kedaluwarsa' for an issued or voided letter."""
    if letter.status == "void":
        return "dibatalkan"
    if letter.valid_until is not None and (at or now_utc()) > letter.valid_until:
        return "kedaluwarsa"
    return "sah"


def count_verification(letter_id):
    """One more scan of a letter's QR code: a single conditional UPDATE (no log of who scanned)."""
    db.session.execute(update(Letter).where(Letter.id == letter_id, Letter.status != "draft")
                       .values(verify_count=Letter.verify_count + 1).execution_options(synchronize_session=False))


def short_name(name):
    """'Yohanes B.' for 'Yohanes Benu Taek': the first name and the next one's initial."""
    parts = (name or "").split()
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[1][0]}."


def letter_type_for_service(service_id):
    """The active letter type the queue's service proposes, or None."""
    if service_id is None:
        return None
    return db.session.scalar(select(LetterType).where(LetterType.service_id == service_id, LetterType.active.is_(True))
                             .order_by(LetterType.sort_order, LetterType.id).limit(1))
