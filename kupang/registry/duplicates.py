"""Suspected duplicate residents and merging a pair into one record, field by field."""
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, select, text
from sqlalchemy.orm import aliased

from .. import audit
from ..db import lock_for_update
from ..extensions import db
from ..timeutil import format_date_id, office_today
from . import codes
from .families import sync_family_head
from .history import apply_changes
from .models import Family, Resident, ResidentChange, ResidentEvent
from .nik import check_nik


def name_key(column):
    """The normalised name used to match duplicates: lower case without spaces or dots.

    The literals are inlined (not bound) so SQLite can match the expression index ix_resident_dupkey
    (migration 0005_registry_family; hand-made, so it is not declared on the model).
    """
    space, dot, empty = literal_column("' '"), literal_column("'.'"), literal_column("''")
    return func.lower(func.replace(func.replace(column, space, empty), dot, empty))


ID_CHUNK = 500
PAIR_COLUMNS = ("id", "nik", "name", "sex", "birth_date", "rw", "rt", "life_status", "family_id")

# Fields a clerk chooses between when merging, in form order, with their Indonesian labels.
MERGE_FIELDS = [
    ("name", "Nama"), ("sex", "Jenis kelamin"), ("birth_place", "Tempat lahir"), ("birth_date", "Tanggal lahir"),
    ("religion", "Agama"), ("marital_status", "Status perkawinan"), ("shdk", "Hubungan dalam keluarga"),
    ("education", "Pendidikan"), ("occupation_code", "Pekerjaan"), ("blood_type", "Golongan darah"),
    ("citizenship", "Kewarganegaraan"), ("father_name", "Nama ayah"), ("mother_name", "Nama ibu"),
    ("address", "Alamat"), ("rt", "RT"), ("rw", "RW"), ("life_status", "Status hidup"), ("phone", "Telepon"),
    ("family_id", "Kartu keluarga"),
]
MERGE_FIELD_NAMES = {name for name, _ in MERGE_FIELDS}


class MergeError(ValueError):
    """A merge that was refused; the message is Indonesian and shown to the clerk."""


class StaleMerge(MergeError):
    """One of the two records changed since the clerk opened the merge page."""


@dataclass
class SuspectPair:
    """Two records that may be the same person, and why."""

    first: object
    second: object
    reason: str  # "sama" (name, birth date, sex) or "tanpa_nik" (one record without NIK nor birth date)

    @property
    def conflicting_nik(self):
        """Both records hold a NIK and they differ: they cannot be merged here."""
        return bool(self.first.nik and self.second.nik and self.first.nik != self.second.nik)

    @property
    def label(self):
        """Why the pair is suspected, in Indonesian."""
        if self.conflicting_nik:
            return "Nama, tanggal lahir dan jenis kelamin sama, tetapi NIK berbeda"
        if bool(self.first.nik) != bool(self.second.nik):
            return "Orang yang sama tercatat dengan dan tanpa NIK"
        return "Nama, tanggal lahir dan jenis kelamin sama"

    def touches(self, rw=None, rt=None):
        """Whether one of the two lives in the given RW (and RT)."""
        return any((not rw or r.rw == rw) and (not rt or r.rt == rt) for r in (self.first, self.second))


def _columns(entity):
    return [getattr(entity, name) for name in PAIR_COLUMNS]


def same_identity_groups():
    """(key, sex, birth date, count, lowest id, highest id) of every group of non-merged residents
    sharing normalised name, birth date and sex: one GROUP BY answered from ix_resident_dupkey."""
    key = name_key(Resident.name)
    stmt = (select(key, Resident.sex, Resident.birth_date, func.count(), func.min(Resident.id), func.max(Resident.id))
            .where(Resident.merged_into_id.is_(None), Resident.birth_date.is_not(None))
            .group_by(key, Resident.sex, Resident.birth_date)
            .having(func.count() > 1))
    with sorted_grouping():
        return db.session.execute(stmt).all()


@contextmanager
def sorted_grouping():
    """On PostgreSQL, group this one query by walking the index in order instead of hashing.

    The planner prices lower()/replace() as almost free and picks a sequential scan with a hash
    aggregate that recomputes the key for all 450,000 rows and spills to disk (about 4x slower than the
    index-only scan of ix_resident_dupkey, bench/bench_completeness.py). SET LOCAL ends with the
    transaction; it is switched back right after the query anyway.
    """
    if db.engine.dialect.name != "postgresql":
        yield
        return
    db.session.execute(text("SET LOCAL enable_hashagg = off"))
    try:
        yield
    finally:
        db.session.execute(text("SET LOCAL enable_hashagg = on"))


def group_member_ids(key, sex, birth_date):
    """Ids of the non-merged residents of one larger group (three or more records)."""
    stmt = select(Resident.id).where(name_key(Resident.name) == key, Resident.sex == sex,
                                     Resident.birth_date == birth_date, Resident.merged_into_id.is_(None))
    return db.session.scalars(stmt).all()


def same_identity_id_groups():
    """Lists of resident ids that look like the same person; pairs come straight from the GROUP BY."""
    groups = []
    for key, sex, birth_date, count, low, high in same_identity_groups():
        groups.append([low, high] if count == 2 else group_member_ids(key, sex, birth_date))
    return groups


def rows_by_id(ids):
    """{id: Row} for the residents, fetched by primary key in chunks."""
    ids, found = sorted(set(ids)), {}
    for start in range(0, len(ids), ID_CHUNK):
        stmt = select(*_columns(Resident)).where(Resident.id.in_(ids[start:start + ID_CHUNK]))
        found.update({row.id: Row(row) for row in db.session.execute(stmt)})
    return found


def without_nik_rows():
    """(record without NIK nor birth date, record with NIK) of the same normalised name, sex and RW."""
    bare, known = aliased(Resident), aliased(Resident)
    stmt = (select(*_columns(bare), *_columns(known))
            .join(known, and_(name_key(known.name) == name_key(bare.name), known.sex == bare.sex,
                              known.rw == bare.rw, known.id != bare.id))
            .where(bare.nik.is_(None), bare.birth_date.is_(None), bare.merged_into_id.is_(None),
                   known.merged_into_id.is_(None), known.nik.is_not(None)))
    width = len(PAIR_COLUMNS)
    return [(row[:width], row[width:]) for row in db.session.execute(stmt).all()]


class Row:
    """A light record of one resident in a suspected pair."""

    __slots__ = PAIR_COLUMNS

    def __init__(self, values):
        for name, value in zip(PAIR_COLUMNS, values, strict=False):
            setattr(self, name, value)


def registry_fingerprint():
    """What changes whenever a resident is added or a change is recorded: newest resident and newest history row.

    Three primary-key lookups. Edits go through history.apply_changes (one ResidentChange per field),
    merges and family moves too, so a new id here means the pairs may differ.
    """
    newest = select(Resident.id, Resident.created_at).order_by(Resident.id.desc()).limit(1)
    change = select(ResidentChange.id, ResidentChange.changed_at).order_by(ResidentChange.id.desc()).limit(1)
    return (db.engine.url.render_as_string(), tuple(db.session.execute(newest).first() or ()),
            tuple(db.session.execute(change).first() or ()))


_pairs_cache = {"key": None, "pairs": []}
_pairs_lock = threading.Lock()


def clear_pairs_cache():
    """Forget the cached scan (benchmarks measure the cold scan with it)."""
    with _pairs_lock:
        _pairs_cache.update(key=None, pairs=[])


def suspected_pairs():
    """Every suspected pair not marked 'Bukan data ganda', sorted by name.

    The scan is reused while the registry fingerprint is unchanged; the marked pairs are read each time.
    """
    from .dismissals import dismissed_keys, pair_key

    key = registry_fingerprint()
    with _pairs_lock:
        pairs = _pairs_cache["pairs"] if _pairs_cache["key"] == key else None
    if pairs is None:
        pairs = scan_pairs()
        with _pairs_lock:
            _pairs_cache.update(key=key, pairs=pairs)
    dismissed = dismissed_keys()
    return [p for p in pairs if pair_key(p.first.id, p.second.id) not in dismissed]


def scan_pairs():
    """Every suspected pair, the record with a NIK (or the older record) first, sorted by name."""
    id_groups = same_identity_id_groups()
    rows = rows_by_id(rid for group in id_groups for rid in group)
    pairs = {}
    for group in id_groups:
        members = sorted((rows[rid] for rid in group if rid in rows), key=lambda r: (r.nik is None, r.id))
        for other in members[1:]:
            pairs[(members[0].id, other.id)] = SuspectPair(members[0], other, "sama")
    for bare, known in without_nik_rows():
        key = (known[0], bare[0])
        if key not in pairs:
            pairs[key] = SuspectPair(Row(known), Row(bare), "tanpa_nik")
    return sorted(pairs.values(), key=lambda p: (p.first.name.lower(), p.first.id, p.second.id))


def pairs_in_area(pairs, rw=None, rt=None):
    """The pairs with a member in the RW/RT."""
    return [p for p in pairs if p.touches(rw, rt)]


def count_by_area(pairs):
    """{(rw, rt): number of pairs with a member there}; a pair spanning two RTs counts in both."""
    counts = {}
    for pair in pairs:
        for area in {(pair.first.rw, pair.first.rt), (pair.second.rw, pair.second.rt)}:
            counts[area] = counts.get(area, 0) + 1
    return counts


def load_pair(keep_id, other_id, lock=False):
    """The two residents of a merge (kept one first), locked on PostgreSQL when about to write."""
    stmt = select(Resident).where(Resident.id.in_([keep_id, other_id]))
    if lock:
        stmt = lock_for_update(stmt)
    found = {r.id: r for r in db.session.scalars(stmt)}
    if keep_id not in found or other_id not in found:
        raise MergeError("Data penduduk yang akan digabungkan tidak ditemukan.")
    return found[keep_id], found[other_id]


def nik_has_warnings(resident):
    """Whether the registry's NIK rules warn about this resident's NIK against its sex and birth date."""
    if not resident.nik:
        return False
    return bool(check_nik(resident.nik, sex=resident.sex, birth_date=resident.birth_date).warnings)


def check_mergeable(keep, other):
    """Refuse merging a record into itself, an already merged record, or two records with different NIKs."""
    if keep.id == other.id:
        raise MergeError("Data tidak dapat digabungkan dengan dirinya sendiri. Pilih dua data yang berbeda.")
    for resident in (keep, other):
        if resident.merged_into_id is not None:
            raise MergeError(f"Data {resident.name} (#{resident.id}) sudah digabungkan ke data "
                             f"#{resident.merged_into_id}. Buka data tersebut untuk memeriksa.")
    if keep.nik and other.nik and keep.nik != other.nik:
        raise MergeError("Kedua data memiliki NIK yang berbeda, jadi tidak dapat digabungkan di sini. "
                         "Periksa dokumen penduduk; bila NIK ganda, laporkan ke Dukcapil.")


def check_versions(residents, versions):
    """Refuse when a record's version differs from the one the clerk saw."""
    for resident in residents:
        seen = versions.get(resident.id)
        if seen is not None and seen != resident.version:
            raise StaleMerge(f"Data {resident.name} (#{resident.id}) telah diubah oleh petugas lain sejak "
                             "halaman penggabungan dibuka. Periksa kembali pilihan lalu gabungkan lagi.")


def merge_residents(keep, other, take_from_other=(), user=None, versions=None):
    """Merge `other` into `keep`: chosen fields copied with history, other kept as merged, events and audit."""
    check_mergeable(keep, other)
    check_versions((keep, other), versions or {})
    unknown = set(take_from_other) - MERGE_FIELD_NAMES
    if unknown:
        raise MergeError("Pilihan data tidak dikenal: " + ", ".join(sorted(unknown)) + ".")
    values = {name: getattr(other, name) for name in take_from_other}
    if other.nik and not keep.nik:
        # NIK is unique: the merged record gives it up first, then the kept record takes it.
        values["nik"] = other.nik
        apply_changes(other, {"nik": None}, user=user, source="merge")
        db.session.flush()
    families = {keep.family_id, other.family_id}
    changed = apply_changes(keep, values, user=user, source="merge")
    if any(name in values for name in ("nik", "sex", "birth_date")):
        keep.has_warnings = nik_has_warnings(keep)
    apply_changes(other, {"merged_into_id": keep.id}, user=user, source="merge")
    followed = follow_merge(other, keep, user)
    today, user_id = office_today(), getattr(user, "id", None)
    db.session.add_all([
        ResidentEvent(resident_id=keep.id, kind="gabung", event_date=today, created_by_id=user_id,
                      note=f"Data #{other.id} ({other.name}) digabungkan ke data ini."),
        ResidentEvent(resident_id=other.id, kind="gabung", event_date=today, created_by_id=user_id,
                      note=f"Data ini digabungkan ke data #{keep.id} ({keep.name})."),
    ])
    db.session.flush()
    families.add(keep.family_id)
    for family_id in families - {None}:
        sync_family_head(db.session.get(Family, family_id))
    audit.record("resident_merged", "resident", keep.id, user=user, merged_id=other.id, fields=sorted(changed),
                 **({"followed_ids": followed} if followed else {}))
    return changed


def follow_merge(other, keep, user=None):
    """Records merged into `other` earlier now point at `keep` too (no chain of merged records); their ids."""
    earlier = db.session.scalars(select(Resident).where(Resident.merged_into_id == other.id)
                                 .order_by(Resident.id)).all()
    for resident in earlier:
        apply_changes(resident, {"merged_into_id": keep.id}, user=user, source="merge")
    return [resident.id for resident in earlier]


def record_in_use(resident, limit=20):
    """The record a merged resident ended up in (following chains left by older merges), or None."""
    current, seen = resident, {resident.id}
    while current.merged_into_id is not None and len(seen) <= limit:
        current = db.session.get(Resident, current.merged_into_id)
        if current is None or current.id in seen:
            return None
        seen.add(current.id)
    return current if current is not resident else None


def field_choices(keep, other):
    """For the merge form: (field, label, kept value, other value, differs, default side) per field."""
    rows = []
    for name, label in MERGE_FIELDS:
        mine, theirs = getattr(keep, name), getattr(other, name)
        differs = mine != theirs
        empty = mine in (None, "")
        rows.append((name, label, display_value(name, keep), display_value(name, other), differs,
                     "b" if differs and empty and theirs not in (None, "") else "a"))
    return rows


CODE_LISTS = {"sex": codes.SEX, "religion": codes.RELIGION, "marital_status": codes.MARITAL, "shdk": codes.SHDK,
              "education": codes.EDUCATION, "occupation_code": codes.OCCUPATIONS, "blood_type": codes.BLOOD_TYPE,
              "citizenship": codes.CITIZENSHIP, "life_status": codes.LIFE_STATUS}


def display_value(name, resident):
    """A field of a resident as Indonesian text for the merge page (KK masked)."""
    from .masking import mask_nik

    value = getattr(resident, name)
    if value in (None, ""):
        return "-"
    if name in CODE_LISTS:
        return CODE_LISTS[name].get(value, str(value))
    if name == "birth_date":
        return format_date_id(value)
    if name == "family_id":
        return f"KK {mask_nik(resident.family.kk_number)}" if resident.family else "-"
    return str(value)
