"""Resident lookup behind one search box: NIK exactly, NIK/KK prefixes, or names by trigram.

16 digits finds the NIK (and the members of a KK with that number); 6 to 15 digits find NIK and KK
prefixes through the unique indexes (range queries, no scan); text finds names tolerant of case,
spacing and partial words through SQLite FTS5 (trigram tokenizer, migration 0003) or PostgreSQL
pg_trgm. Words of 1-2 letters cannot use a trigram index: alone they match names that start with
them, beside longer words they must start a word of the name.

Every search first takes the ordered ids (at most COUNT_CAP + 1, so a broad query stays cheap),
then loads the one page shown.
"""
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, false, func, literal, or_, select, text, true

from ..extensions import db
from ..like import ESCAPE as LIKE_ESCAPE
from ..like import contains, starts_with
from .codes import LIFE_STATUS
from .models import Family, Resident
from .nik import normalise_number

PER_PAGE = 25
COUNT_CAP = 1000
MIN_NUMBER_DIGITS = 6
MIN_TRIGRAM = 3
_NAME_JUNK = re.compile(r"[^\w' .-]+")
_RT_RW = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class SearchFilters:
    """The filters beside the search box."""

    rt: str = ""
    rw: str = ""
    life_status: str = ""
    missing_nik: bool = False
    with_warnings: bool = False
    include_merged: bool = False

    @classmethod
    def from_args(cls, args):
        """Filters from a query string; unknown or malformed values are ignored."""
        return cls(rt=_rt_rw(args.get("rt")), rw=_rt_rw(args.get("rw")),
                   life_status=args.get("status", "") if args.get("status", "") in LIFE_STATUS else "",
                   missing_nik=args.get("tanpa_nik") == "1", with_warnings=args.get("peringatan") == "1",
                   include_merged=args.get("digabung") == "1")

    @property
    def active(self):
        """True when any filter narrows the list."""
        return bool(self.rt or self.rw or self.life_status or self.missing_nik or self.with_warnings)


def _rt_rw(value):
    value = (value or "").strip()
    return value.zfill(3) if _RT_RW.match(value) else ""


@dataclass
class SearchResult:
    """One page of residents found, with what the query was understood as."""

    kind: str  # "nik", "number", "name", "short_number", "all"
    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1

    @property
    def capped(self):
        """True when more residents match than are counted (the list is cut at COUNT_CAP)."""
        return self.total > COUNT_CAP

    @property
    def pages(self):
        """Number of pages reachable (at most COUNT_CAP / PER_PAGE)."""
        return max(1, math.ceil(min(self.total, COUNT_CAP) / PER_PAGE))


def classify(query):
    """('nik' | 'number' | 'short_number' | 'name' | 'all', normalised query)."""
    raw = (query or "").strip()
    if not raw:
        return "all", ""
    digits = normalise_number(raw) or ""
    if digits.isdigit():
        if len(digits) == 16:
            return "nik", digits
        return ("number" if len(digits) >= MIN_NUMBER_DIGITS else "short_number"), digits
    words = _NAME_JUNK.sub(" ", raw.lower()).split()
    return ("name", " ".join(words)) if words else ("all", "")


def _filter_conditions(filters):
    conditions = []
    if not filters.include_merged:
        conditions.append(Resident.merged_into_id.is_(None))
    if filters.rt:
        conditions.append(Resident.rt == filters.rt)
    if filters.rw:
        conditions.append(Resident.rw == filters.rw)
    if filters.life_status:
        conditions.append(Resident.life_status == filters.life_status)
    if filters.missing_nik:
        conditions.append(Resident.nik.is_(None))
    if filters.with_warnings:
        conditions.append(Resident.has_warnings.is_(True))
    return conditions


def _next_prefix(prefix):
    """The smallest string above every string starting with prefix ('537105' -> '537106')."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# Statements are built once per shape (which filters, how many words, which database) and reused with
# bound values: building and keying a SQLAlchemy statement costs more than SQLite needs to run it.
# Each kind of query is a few branches (conditions, display order); the list takes their ids in turn, the
# export takes every row any branch matches (matching_ids), so both always hold the same residents.
CAP = COUNT_CAP + 1
LOWERED = func.lower(Resident.name)
ROW_COLUMNS = (Resident.id, Resident.name, Resident.nik, Resident.sex, Resident.birth_date, Resident.rt, Resident.rw,
               Resident.life_status, Resident.has_warnings, Resident.merged_into_id, Resident.shdk, Family.kk_number)


def _starts(sqlite, name):
    """lower(name) starts with a bound prefix: a range on the lower(name) index (SQLite), a pattern (PostgreSQL)."""
    if sqlite:
        return and_(bindparam(f"{name}_lo") <= LOWERED, bindparam(f"{name}_hi") > LOWERED)
    return LOWERED.like(bindparam(f"{name}_like"), escape=LIKE_ESCAPE)


def _starts_params(sqlite, name, prefix):
    if sqlite:
        return {f"{name}_lo": prefix, f"{name}_hi": _next_prefix(prefix)}
    return {f"{name}_like": starts_with(prefix)}


def _id_query(conditions, order_by):
    return select(Resident.id).where(*conditions).order_by(*order_by).limit(CAP)


@lru_cache(maxsize=256)
def _name_branches(long_count, short_count, sqlite, filters):
    """(names starting with the phrase, the other matches) for a query of so many long and short words."""
    base = _filter_conditions(filters)
    starts = _starts(sqlite, "phrase")
    conditions = []
    if long_count and sqlite:
        conditions.append(Resident.id.in_(select(text("rowid")).select_from(text("resident_fts"))
                                          .where(text("resident_fts MATCH :fts"))))
    else:
        conditions += [LOWERED.like(bindparam(f"word{i}"), escape=LIKE_ESCAPE) for i in range(long_count)]
    word_starts = short_count
    if short_count and not long_count:
        conditions.append(_starts(sqlite, "first"))
        word_starts -= 1
    conditions += [(literal(" ") + LOWERED).like(bindparam(f"start{i}"), escape=LIKE_ESCAPE)
                   for i in range(word_starts)]
    order = (Resident.name, Resident.id) if long_count else (LOWERED, Resident.id)
    return ((tuple(base + [starts]), (LOWERED, Resident.id)), (tuple(base + conditions + [~starts]), order))


def _name_params(words, sqlite):
    long_words = [w for w in words if len(w) >= MIN_TRIGRAM]
    short_words = [w for w in words if len(w) < MIN_TRIGRAM]
    params = _starts_params(sqlite, "phrase", " ".join(words))
    if long_words and sqlite:
        params["fts"] = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
    else:
        params.update({f"word{i}": contains(w) for i, w in enumerate(long_words)})
    if short_words and not long_words:
        params.update(_starts_params(sqlite, "first", short_words.pop(0)))
    params.update({f"start{i}": "% " + starts_with(w) for i, w in enumerate(short_words)})
    return len(long_words), params


def _run_ids(statement, params):
    # Core on the session's connection: the ORM layer adds nothing to a list of ids but time.
    return list(db.session.connection().execute(statement, params).scalars())


def _nik_match():
    nik = bindparam("nik")
    return Resident.nik == nik, Resident.family_id.in_(select(Family.id).where(Family.kk_number == nik))


@lru_cache(maxsize=64)
def _nik_branches(filters):
    """The whole-NIK/KK lookup: the resident with the NIK, then the members of the KK with that number."""
    nik_match, kk_match = _nik_match()
    return ((tuple(_filter_conditions(filters) + [or_(nik_match, kk_match)]),
             (case((nik_match, 0), else_=1), Resident.shdk, Resident.name, Resident.id)),)


@lru_cache(maxsize=64)
def _nik_statement(filters):
    """Whole rows (not ids) for a 16-digit query: a handful of rows at most, in one query."""
    ((conditions, order),) = _nik_branches(filters)
    return (select(*ROW_COLUMNS).outerjoin(Family, Family.id == Resident.family_id)
            .where(*conditions).order_by(*order).limit(CAP))


def _nik_rows(nik, filters):
    """Whole rows for a 16-digit query, in one query (a handful of rows at most)."""
    return list(db.session.connection().execute(_nik_statement(filters), {"nik": nik}))


@lru_cache(maxsize=64)
def _all_branches(filters):
    return ((tuple(_filter_conditions(filters)), (Resident.name, Resident.id)),)


@lru_cache(maxsize=64)
def _prefix_branches(filters):
    """(NIKs starting with the digits, in NIK order; members of KKs starting with them, not found already)."""
    base = _filter_conditions(filters)
    nik_match = and_(Resident.nik >= bindparam("lo"), Resident.nik < bindparam("hi"))
    families = select(Family.id).where(Family.kk_number >= bindparam("lo"), Family.kk_number < bindparam("hi"))
    return ((tuple(base + [nik_match]), (Resident.nik,)),
            (tuple(base + [Resident.family_id.in_(families), or_(Resident.nik.is_(None), ~nik_match)]),
             (Resident.family_id, Resident.shdk, Resident.id)))


BRANCHES = {"all": _all_branches, "nik": _nik_branches, "name": _name_branches, "number": _prefix_branches}


def _shape(query, filters):
    """(the query's statement shape, or None when it matches nobody; its bound values)."""
    filters = filters or SearchFilters()
    kind, value = classify(query)
    if kind == "short_number":
        return None, {}
    if kind == "all":
        return ("all", filters), {}
    if kind == "nik":
        return ("nik", filters), {"nik": value}
    if kind == "name":
        words = value.split()
        sqlite = db.engine.dialect.name == "sqlite"
        long_count, params = _name_params(words, sqlite)
        return ("name", long_count, len(words) - long_count, sqlite, filters), params
    return ("number", filters), {"lo": value, "hi": _next_prefix(value)}


def matching(query, filters=None):
    """(branches, bound values) of what the search box and filters match; a branch is (conditions, order)."""
    shape, params = _shape(query, filters)
    return (BRANCHES[shape[0]](*shape[1:]) if shape else ()), params


def matching_ids(query, filters=None):
    """(SELECT of the id of every resident the search matches, uncapped and unordered; its bound values).

    The same conditions search_residents pages through, so an export of a search holds exactly its rows.
    """
    branches, params = matching(query, filters)
    if not branches:
        return select(Resident.id).where(false()), params
    return select(Resident.id).where(or_(*(and_(true(), *conditions) for conditions, _order in branches))), params


@lru_cache(maxsize=512)
def _branch_statements(shape):
    return tuple(_id_query(conditions, order) for conditions, order in BRANCHES[shape[0]](*shape[1:]))


def _ranked_ids(query, filters):
    """Ids of the matching residents in display order (each branch in turn), at most COUNT_CAP + 1."""
    shape, params = _shape(query, filters)
    ids = []
    for statement in _branch_statements(shape) if shape else ():
        ids += _run_ids(statement, params)[:CAP - len(ids)]
        if len(ids) >= CAP:
            break
    return ids


@lru_cache(maxsize=1)
def _page_statement():
    return (select(*ROW_COLUMNS).outerjoin(Family, Family.id == Resident.family_id)
            .where(Resident.id.in_(bindparam("ids", expanding=True))))


def _page_rows(ids):
    if not ids:
        return []
    by_id = {row.id: row for row in db.session.connection().execute(_page_statement(), {"ids": ids})}
    return [by_id[i] for i in ids if i in by_id]


def search_residents(query, filters=None, page=1):
    """One page of residents matching the search box and the filters, most relevant first."""
    filters = filters or SearchFilters()
    kind, value = classify(query)
    # A whole NIK or KK matches a handful of rows at most: fetch them whole in one query.
    found = _nik_rows(value, filters) if kind == "nik" else _ranked_ids(query, filters)
    result = SearchResult(kind=kind, total=len(found))
    result.page = min(max(1, page), result.pages)
    start = (result.page - 1) * PER_PAGE
    chunk = found[start:start + PER_PAGE]
    result.rows = chunk if kind == "nik" else _page_rows(chunk)
    return result


@contextmanager
def search_index_paused(connection):
    """For a bulk insert of residents on SQLite: pause the FTS sync triggers, then index the new rows at once.

    Rows must be inserted with ids above today's largest (they are, with autoincrement or explicit ids
    continuing it) and names of existing residents must not change inside the block. Runs inside the
    caller's transaction, so a rollback also restores the triggers. A no-op on PostgreSQL.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'resident' "
        "AND name LIKE 'resident_fts%'").all()
    last_id = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM resident").scalar()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    connection.execute(text("INSERT INTO resident_fts(rowid, name) SELECT id, name FROM resident WHERE id > :last"),
                       {"last": last_id})
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
