"""Resident rules: add and edit with history and optimistic versions, NIK checks, life events.

Residents are never deleted. A death, a move or a disappearance is a ResidentEvent plus a status
change; every changed field is a ResidentChange row (history.apply_changes); a save based on an
outdated version is refused with both versions at hand instead of overwriting.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..extensions import db
from ..timeutil import format_date_id, office_today
from . import codes
from .history import apply_changes
from .models import Resident, ResidentEvent
from .nik import check_kk, check_nik, nik_conflict_message

# The fields a clerk edits on the resident form, in form order.
EDITABLE_FIELDS = ("nik", "name", "sex", "birth_place", "birth_date", "religion", "marital_status", "shdk",
                   "education", "occupation_code", "blood_type", "citizenship", "father_name", "mother_name",
                   "address", "rt", "rw", "phone")
FIELD_LABELS = {
    "nik": "NIK", "name": "Nama lengkap", "sex": "Jenis kelamin", "birth_place": "Tempat lahir",
    "birth_date": "Tanggal lahir", "religion": "Agama", "marital_status": "Status perkawinan",
    "shdk": "Hubungan dalam keluarga", "education": "Pendidikan", "occupation_code": "Pekerjaan",
    "blood_type": "Golongan darah", "citizenship": "Kewarganegaraan", "father_name": "Nama ayah",
    "mother_name": "Nama ibu", "address": "Alamat", "rt": "RT", "rw": "RW", "phone": "Nomor telepon",
    "life_status": "Status", "family_id": "Keluarga (KK)", "kk_number": "Nomor KK",
    "merged_into_id": "Digabung ke", "has_warnings": "Ada peringatan",
}
CODE_LISTS = {"sex": codes.SEX, "religion": codes.RELIGION, "marital_status": codes.MARITAL, "shdk": codes.SHDK,
              "education": codes.EDUCATION, "occupation_code": codes.OCCUPATIONS, "blood_type": codes.BLOOD_TYPE,
              "citizenship": codes.CITIZENSHIP, "life_status": codes.LIFE_STATUS}
DATE_FIELDS = {"birth_date", "event_date"}
# Events a clerk records, and the life status each one leaves the resident in.
EVENT_STATUS = {"lahir": "hidup", "pindah_datang": "hidup", "mati": "mati", "pindah_keluar": "pindah",
                "hilang": "hilang", "pergi": "pergi", "koreksi": None}


class ResidentError(ValueError):
    """Input that cannot be saved; `errors` maps a field name to its Indonesian messages."""

    def __init__(self, errors):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


class VersionConflict(Exception):
    """The resident changed since the form was opened; `current` is the stored version."""

    def __init__(self, current):
        super().__init__("Data penduduk telah diubah oleh petugas lain.")
        self.current = current


@dataclass
class NumberReport:
    """NIK and KK checks of a form: errors block saving, warnings are shown beside the fields."""

    errors: dict = field(default_factory=dict)
    warnings: dict = field(default_factory=dict)
    nik: str | None = None
    kk: str | None = None


def check_numbers(nik_text, kk_text, sex=None, birth_date=None, resident_id=None, today=None):
    """Check a form's NIK and KK: the rules, plus a NIK held by another resident (said without who)."""
    report = NumberReport()
    nik = check_nik(nik_text, sex=sex, birth_date=birth_date, reference_date=today or office_today())
    kk = check_kk(kk_text)
    report.nik, report.kk = nik.value, kk.value
    for name, check in (("nik", nik), ("kk_number", kk)):
        if check.errors:
            report.errors[name] = list(check.errors)
        if check.warnings:
            report.warnings[name] = list(check.warnings)
    if nik.value and nik_taken(nik.value, resident_id):
        report.errors.setdefault("nik", []).append(nik_conflict_message(nik.value))
    return report


def nik_taken(nik, resident_id=None):
    """True when another resident (not merged away) already holds this NIK."""
    stmt = select(Resident.id).where(Resident.nik == nik)
    if resident_id is not None:
        stmt = stmt.where(Resident.id != resident_id)
    return db.session.scalar(stmt.limit(1)) is not None


def field_errors(values, today=None):
    """Errors of the plain fields (the NIK/KK rules are in check_numbers)."""
    today = today or office_today()
    errors = {}
    if not (values.get("name") or "").strip():
        errors["name"] = ["Nama lengkap wajib diisi."]
    if values.get("sex") not in codes.SEX:
        errors["sex"] = ["Pilih jenis kelamin."]
    born = values.get("birth_date")
    if born is not None and born > today:
        errors["birth_date"] = ["Tanggal lahir tidak boleh di masa depan."]
    elif born is not None and born.year < 1880:
        errors["birth_date"] = ["Tanggal lahir terlalu lampau; periksa tahunnya."]
    for name in ("rt", "rw"):
        value = values.get(name) or ""
        if value and not (value.isdigit() and len(value) <= 3):
            errors[name] = [f"{FIELD_LABELS[name]} diisi angka, paling banyak 3 digit (mis. 003)."]
    return errors


def clean_values(values):
    """Normalise form values: trimmed text, RT/RW as 3 digits."""
    cleaned = dict(values)
    for name in ("name", "birth_place", "father_name", "mother_name", "address", "phone"):
        cleaned[name] = " ".join((cleaned.get(name) or "").split())
    for name in ("rt", "rw"):
        value = (cleaned.get(name) or "").strip()
        cleaned[name] = value.zfill(3) if value.isdigit() and len(value) <= 3 else value
    return cleaned


def validate(values, kk_text, resident_id=None):
    """(cleaned values, NumberReport) or ResidentError with every problem of the form at once."""
    values = clean_values(values)
    report = check_numbers(values.get("nik"), kk_text, sex=values.get("sex"), birth_date=values.get("birth_date"),
                           resident_id=resident_id)
    errors = {**field_errors(values), **report.errors}
    if errors:
        raise ResidentError(errors)
    values["nik"] = report.nik
    values["has_warnings"] = bool(report.warnings.get("nik"))
    return values, report


def create_resident(values, kk_text="", user=None, kelurahan_code=None):
    """Add a resident (and join or open the KK typed); returns it with the number warnings."""
    from .families import sync_family_head, target_family

    values, report = validate(values, kk_text)
    resident = Resident(kelurahan_code=kelurahan_code, created_by_id=getattr(user, "id", None),
                        updated_by_id=getattr(user, "id", None), life_status="hidup")
    apply_changes(resident, values, user=user)
    if report.kk:
        resident.family = target_family(report.kk, create=True, template=resident)
    db.session.add(resident)
    _flush_or_conflict(resident)
    if resident.family is not None:
        sync_family_head(resident.family)
    audit.record("resident_created", "resident", resident.id)
    return resident, report


def update_resident(resident, values, expected_version, kk_text="", user=None):
    """Save an edit made on `expected_version`; returns (changed field names, warnings).

    Raises VersionConflict when someone saved in between (nothing is written), ResidentError on bad input.
    """
    from .families import follow_head_address, move_member, target_family

    if resident.version != expected_version:
        raise VersionConflict(resident)
    if resident.merged_into_id is not None:
        raise ResidentError({"name": ["Data ini sudah digabungkan ke data lain dan tidak dapat diubah."]})
    values, report = validate(values, kk_text, resident_id=resident.id)
    changed = apply_changes(resident, values, user=user)
    if report.kk and (resident.family is None or resident.family.kk_number != report.kk):
        move_member(resident, target_family(report.kk, create=True, template=resident), user=user)
        changed.append("family_id")
    elif is_head_of_family(resident) and {"address", "rt", "rw"} & set(changed):
        follow_head_address(resident.family, resident)  # the KK's address is its head's
    if changed:
        _flush_or_conflict(resident)
        audit.record("resident_updated", "resident", resident.id, fields=sorted(changed))
    return changed, report


def is_head_of_family(resident):
    """Whether the resident is the head its family points at."""
    return resident.family is not None and resident.family.head_id == resident.id


def _flush_or_conflict(resident):
    """Flush; a concurrent save (version) or a NIK taken meanwhile (unique index) becomes a clear error."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise VersionConflict(db.session.get(Resident, resident.id)) from None
    except IntegrityError:
        db.session.rollback()
        raise ResidentError({"nik": [nik_conflict_message(resident.nik)]}) from None


def record_event(resident, kind, event_date, note="", user=None, expected_version=None):
    """Record a life event and the status it brings; nothing is deleted. Returns the event."""
    if kind not in EVENT_STATUS:
        raise ResidentError({"kind": ["Pilih jenis peristiwa."]})
    if expected_version is not None and resident.version != expected_version:
        raise VersionConflict(resident)
    errors = {}
    if event_date is None:
        errors["event_date"] = ["Tanggal peristiwa wajib diisi."]
    elif event_date > office_today():
        errors["event_date"] = ["Tanggal peristiwa tidak boleh di masa depan."]
    elif resident.birth_date and event_date < resident.birth_date:
        errors["event_date"] = ["Tanggal peristiwa tidak boleh sebelum tanggal lahir."]
    if resident.merged_into_id is not None:
        errors["kind"] = ["Data ini sudah digabungkan ke data lain; catat peristiwa pada data yang dipakai."]
    if errors:
        raise ResidentError(errors)
    event = ResidentEvent(resident_id=resident.id, kind=kind, event_date=event_date, note=(note or "").strip(),
                          created_by_id=getattr(user, "id", None))
    db.session.add(event)
    status = EVENT_STATUS[kind]
    if status:
        apply_changes(resident, {"life_status": status}, user=user, source="event")
    _flush_or_conflict(resident)
    audit.record("resident_event", "resident", resident.id, kind=kind)
    return event


def display_value(field_name, value):
    """A stored value as the page shows it: code labels, dates, '-' for empty. Numbers are masked elsewhere."""
    if value in (None, ""):
        return "-"
    if field_name == "has_warnings":
        return "Ya" if str(value) in ("1", "True") else "Tidak"
    table = CODE_LISTS.get(field_name)
    if table is not None:
        key = int(value) if str(value).isdigit() else value
        return table.get(key, str(value))
    if isinstance(value, date) or field_name in DATE_FIELDS:
        return format_date_id(value)  # history rows keep dates as ISO text
    return str(value)
