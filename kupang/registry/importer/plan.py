"""What an import would do: rows read and checked, then matched within the file and against the database.

Nothing here writes. The result (a Plan) says for every row whether it is new, updates a resident,
changes nothing, or is rejected (and why), and which families (KK) would be created.
"""
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ..history import as_text
from ..masking import mask_nik
from ..models import Family, Resident
from ..nik import nik_conflict_message
from .columns import match_header, unused_columns_message
from .normalise import RESIDENT_FIELDS, WARNING, read_row
from .readers import ImportFileError
from .values import Memo, label_key, parse_date, parse_unit

HEADER_SCAN_ROWS = 30
MAX_DATA_ROWS = 100_000  # about twelve kelurahan; more is a city-wide file to split, or a hostile one
SKIPPED_SHEETS = {"kode data"}  # OpenSID's template: the code lists its dropdowns read
END_MARK = "###"  # OpenSID's template: column B of the row after the last resident (the instructions follow)
END_NOTE = ("Baris {line} berisi penanda akhir data OpenSID (###); baris di bawahnya (petunjuk pengisian) "
            "tidak dibaca.")
TOO_MANY_ROWS = ("Berkas berisi lebih dari {limit} baris data. Bagi data menjadi beberapa berkas (mis. per RW), "
                 "lalu unggah satu per satu.")
MAX_FAMILY_ROWS = 30  # more rows than this on one KK is a placeholder, not a family
CHUNK = 500
SIMILAR_NAME = 0.8
NO_HEADER = ("Baris judul kolom tidak ditemukan. Baris judul harus memuat kolom Nama dan setidaknya dua kolom "
             "lain yang dikenal (mis. NIK, No KK, Jenis Kelamin, Tanggal Lahir) di 30 baris pertama.")
NIK_ADDED = ("NIK ditambahkan ke penduduk yang sudah terdaftar tanpa NIK (nama, tanggal lahir, jenis kelamin "
             "dan KK sama).")
EXISTING_COLUMNS = (Resident.id, Resident.nik, Resident.name, Resident.sex, Resident.birth_place,
                    Resident.birth_date, Resident.religion, Resident.marital_status, Resident.shdk,
                    Resident.education, Resident.occupation_code, Resident.blood_type, Resident.citizenship,
                    Resident.father_name, Resident.mother_name, Resident.address, Resident.rt, Resident.rw,
                    Resident.life_status, Resident.phone, Resident.family_id, Resident.version, Family.kk_number)


@dataclass
class Context:
    """What every row check needs to know: today's date, the workbook's date system, per-file parse caches."""

    today: date
    date1904: bool = False
    max_rows: int = MAX_DATA_ROWS
    dates: Memo = field(default_factory=lambda: Memo(parse_date, limit=60_000))
    units: Memo = field(default_factory=lambda: Memo(parse_unit))
    kk_checks: dict = field(default_factory=dict)


@dataclass
class FamilyDraft:
    """A KK that the import creates: its number and the address of its head (or first) row."""

    kk: str
    address: str = ""
    rt: str = ""
    rw: str = ""


@dataclass
class Plan:
    """Everything the preview shows and the apply step needs."""

    header: object = None
    sheet_name: str = ""
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # file-level remarks in Indonesian
    family_ids: dict = field(default_factory=dict)  # existing KK number -> family id
    new_families: dict = field(default_factory=dict)  # KK number -> FamilyDraft
    heads: dict = field(default_factory=dict)  # KK number -> the row of its head, where the family needs one

    def counts(self):
        """Rows per outcome, plus the total and the number of warnings."""
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        warnings = 0
        for row in self.rows:
            counts[row.status] += 1
            warnings += sum(1 for level, _c, _m in row.issues or () if level == WARNING)
        counts["rows"] = len(self.rows)
        counts["warnings"] = warnings
        return counts


def _no_progress(stage, done, total):
    """Progress sink used when nobody watches."""


def locate_header(source):
    """(sheet index, Header, remaining rows) of the first sheet whose header row is recognised."""
    for index, name in enumerate(source.sheet_names()):
        if str(name).strip().lower() in SKIPPED_SHEETS:
            continue
        rows = source.rows(index)
        for scanned, (line, values) in enumerate(rows):
            header = match_header(values, line)
            if header is not None:
                return index, header, rows
            if scanned >= HEADER_SCAN_ROWS:
                break
        rows.close()
    raise ImportFileError(NO_HEADER)


def is_end_mark(values):
    """True for OpenSID's end-of-data row: '###' in column B."""
    return len(values) > 1 and isinstance(values[1], str) and values[1].strip() == END_MARK


def read_plan(source, context, progress=_no_progress):
    """Read and check every row of the file (no database access)."""
    sheet, header, rows = locate_header(source)
    plan = Plan(header=header, sheet_name=source.sheet_names()[sheet])
    plan.notes.extend(source.warnings)
    plan.notes.extend(unused_columns_message(header))
    if not header.has("nik"):
        plan.notes.append("Tidak ada kolom NIK: penduduk dicocokkan lewat nama, tanggal lahir, jenis kelamin "
                          "dan nomor KK.")
    context.date1904 = getattr(source, "date1904", False)
    for line, values in rows:
        if is_end_mark(values):
            plan.notes.append(END_NOTE.format(line=line))
            rows.close()
            break
        row = read_row(line, values, header, context)
        if row is not None:
            plan.rows.append(row)
            if len(plan.rows) > context.max_rows:
                rows.close()
                raise ImportFileError(TOO_MANY_ROWS.format(limit=f"{context.max_rows:,}".replace(",", ".")))
            if len(plan.rows) % 1000 == 0:
                progress("reading", int(source.progress() * 1000), 1000)
    if not plan.rows:
        raise ImportFileError("Berkas tidak berisi data penduduk di bawah baris judul kolom.")
    return plan


def check_within_file(plan):
    """Rows of one file must not claim one NIK twice, nor group a family on a placeholder KK."""
    label_nik, label_kk = plan.header.label("nik"), plan.header.label("kk")
    by_nik = defaultdict(list)
    for row in plan.rows:
        if row.nik:
            by_nik[row.nik].append(row)
    for claimants in by_nik.values():
        if len(claimants) > 1:
            lines = ", ".join(str(r.line) for r in claimants)
            for row in claimants:
                row.reject(label_nik, f"NIK yang sama dipakai di beberapa baris berkas ini (baris {lines}); "
                                      "semua baris itu ditolak.")
    _reject_same_person_twice(plan)
    by_kk = defaultdict(list)
    for row in plan.rows:
        if row.kk and not row.rejected:
            by_kk[row.kk].append(row)
    for kk, members in by_kk.items():
        places = {(r.rt, r.rw) for r in members if r.rt or r.rw}
        if len(members) > MAX_FAMILY_ROWS or len(places) > 1:
            why = (f"dipakai oleh {len(members)} baris" if len(members) > MAX_FAMILY_ROWS
                   else f"dipakai di {len(places)} RT/RW yang berbeda")
            for row in members:
                row.reject(label_kk, f"Nomor KK {mask_nik(kk)} {why}: kemungkinan nomor pengganti. "
                                     "Periksa nomor KK baris-baris ini.")


def _reject_same_person_twice(plan):
    """Two rows without NIK describing one person (same name, birth date, sex and KK) are both rejected."""
    seen = defaultdict(list)
    for row in plan.rows:
        if not row.nik and not row.rejected and row.birth_date:
            seen[(row.name_key, row.birth_date, row.sex, row.kk or "")].append(row)
    for rows in seen.values():
        if len(rows) > 1:
            lines = ", ".join(str(r.line) for r in rows)
            for row in rows:
                row.reject(plan.header.label("name"), f"Orang yang sama (nama, tanggal lahir, jenis kelamin, KK) "
                                                      f"tanpa NIK muncul di baris {lines}; semua ditolak.")


def same_person(row, existing):
    """Whether a row and a stored resident holding its NIK can be one person (typos and corrections allowed)."""
    stored = _name_key(existing.name)
    if row.name_key == stored:
        return True
    if difflib.SequenceMatcher(None, row.name_key, stored).ratio() < SIMILAR_NAME:
        return False
    return row.birth_date is None or existing.birth_date is None or row.birth_date == existing.birth_date


def _name_key(name):
    return label_key(name or "")


def diff(row, existing):
    """{field: (stored, new)} for the fields the row changes; blank cells change nothing."""
    changes = {}
    for name in RESIDENT_FIELDS:
        new = getattr(row, name)
        if new is None:
            continue
        old = getattr(existing, name)
        if old != new and as_text(old) != as_text(new):
            changes[name] = (old, new)
    if row.kk and row.kk != existing.kk_number:
        changes["kk"] = (existing.kk_number, row.kk)
    return changes


def _settle(row, existing, claimed):
    """Mark a row as updating or leaving unchanged the stored resident it matched."""
    if existing.id in claimed:
        row.reject(None, f"Baris ini dan baris {claimed[existing.id].line} cocok dengan penduduk yang sama.")
        return
    claimed[existing.id] = row
    row.resident_id = existing.id
    row.stored_version, row.stored_family_id = existing.version, existing.family_id
    row.changes = diff(row, existing)
    row.status = "updated" if row.changes else "unchanged"


def _match_by_nik(plan, claimed, progress):
    by_nik = {row.nik: row for row in plan.rows if row.nik and not row.rejected}
    niks = list(by_nik)
    for start in range(0, len(niks), CHUNK):
        chunk = niks[start:start + CHUNK]
        stmt = (select(*EXISTING_COLUMNS).outerjoin(Family, Family.id == Resident.family_id)
                .where(Resident.nik.in_(chunk)))
        for existing in db.session.execute(stmt):
            row = by_nik[existing.nik]
            if same_person(row, existing):
                _settle(row, existing, claimed)
                if row.birth_date and existing.birth_date and row.birth_date != existing.birth_date:
                    row.add(WARNING, plan.header.label("birth_date"),
                            "Tanggal lahir berbeda dengan data tersimpan; akan diperbarui.")
            else:
                row.reject(plan.header.label("nik"), nik_conflict_message(row.nik)
                           + " Nama atau tanggal lahir di berkas berbeda dengan data tersimpan.")
        progress("matching", min(start + CHUNK, len(niks)), len(niks) or 1)


def _nikless_index():
    """Stored residents without NIK, by (name, birth date, sex, KK)."""
    stmt = (select(*EXISTING_COLUMNS).outerjoin(Family, Family.id == Resident.family_id)
            .where(Resident.nik.is_(None), Resident.merged_into_id.is_(None)))
    index = defaultdict(list)
    for existing in db.session.execute(stmt):
        index[(_name_key(existing.name), existing.birth_date, existing.sex, existing.kk_number or "")].append(existing)
    return index


def _match_without_nik(plan, claimed):
    """Rows not matched by NIK: update a stored NIK-less resident with the same identity, else new."""
    waiting = [row for row in plan.rows if row.status is None]
    index = _nikless_index() if waiting else {}
    for row in waiting:
        key = (row.name_key, row.birth_date, row.sex, row.kk or "")
        found = index.get(key, []) if (row.birth_date or row.kk) else []
        if len(found) > 1:
            row.reject(None, "Cocok dengan lebih dari satu penduduk tanpa NIK (data ganda). Gabungkan data "
                             "ganda itu dulu di menu Penduduk, lalu impor lagi.")
        elif found:
            _settle(row, found[0], claimed)
            if row.nik and not row.rejected:
                row.add(WARNING, plan.header.label("nik"), NIK_ADDED)
        elif row.sex is None:
            row.reject(plan.header.label("sex"), "Jenis kelamin wajib diisi untuk penduduk baru.")
        else:
            row.status = "new"


def plan_families(plan):
    """Existing KKs by id, KKs to create (address of the head row), and the head each family needs."""
    kks = sorted({row.kk for row in plan.rows if row.kk and not row.rejected})
    heads_needed, places = set(), {}
    for start in range(0, len(kks), CHUNK):
        stmt = (select(Family.id, Family.kk_number, Family.head_id, Family.rt, Family.rw)
                .where(Family.kk_number.in_(kks[start:start + CHUNK])))
        for family in db.session.execute(stmt):
            plan.family_ids[family.kk_number] = family.id
            places[family.kk_number] = (family.rt, family.rw)
            if family.head_id is None:
                heads_needed.add(family.kk_number)
    accepted = [row for row in plan.rows if row.kk and not row.rejected]
    _warn_other_place(plan, accepted, places)
    for row in accepted:
        if row.kk not in plan.family_ids and row.kk not in plan.new_families:
            plan.new_families[row.kk] = _draft(row)
    for row in accepted:
        if row.shdk != 1:
            continue
        if row.kk in plan.heads:
            row.add(WARNING, plan.header.label("shdk"), "Lebih dari satu kepala keluarga untuk KK ini; yang "
                                                        f"dipakai baris {plan.heads[row.kk].line}.")
        elif row.kk in plan.new_families or row.kk in heads_needed:
            plan.heads[row.kk] = row
            if row.kk in plan.new_families:
                plan.new_families[row.kk] = _draft(row)


def _warn_other_place(plan, rows, places):
    """A stored KK whose RT/RW differs from the row's: shown (the family may have moved), never blocking."""
    for row in rows:
        stored = places.get(row.kk)
        if stored and all(stored) and row.rt and row.rw and stored != (row.rt, row.rw):
            row.add(WARNING, plan.header.label("kk"), f"KK ini tercatat di RT {stored[0]}/RW {stored[1]}, sedangkan "
                                                      f"baris ini RT {row.rt}/RW {row.rw}. Periksa alamatnya.")


def _draft(row):
    return FamilyDraft(row.kk, row.address or "", row.rt or "", row.rw or "")


def match_with_database(plan, progress=_no_progress):
    """Decide each row's outcome against the stored residents and families (reads only)."""
    claimed = {}
    _match_by_nik(plan, claimed, progress)
    _match_without_nik(plan, claimed)
    plan_families(plan)


def finish_plan(plan, progress=_no_progress):
    """The checks across rows and against the database, on rows as read from the file."""
    check_within_file(plan)
    match_with_database(plan, progress)
    return plan


def build_plan(source, today, progress=_no_progress):
    """Read, check and match a whole file; nothing is written."""
    return finish_plan(read_plan(source, Context(today=today), progress), progress)
