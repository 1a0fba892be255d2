"""Full NIK and KK numbers handed to a user: the audit actions that record it, and lookups by a whole number.

Rule of the app: no response carries a full NIK or KK unless an audit row names who received it. A page
that shows one (the revealed numbers, a search by a whole number, which echoes it and says whose it is)
writes its audit row in the same request, through the functions here.
"""
from sqlalchemy import select

from .. import audit
from ..db import write_transaction
from ..extensions import db
from .models import Family, Resident
from .search import SearchFilters, classify, search_residents

# Audit actions that record a full NIK or KK shown to (or looked up by) the user they name.
# Actions whose audit row says who received full NIK/KK numbers (and of whom: object or "resident_ids").
DISCLOSURE_ACTIONS = frozenset({"resident_nik_revealed", "resident_number_searched", "import_rejected_downloaded"})
COUNTER_RESULTS = 8
COUNTER_MIN_LETTERS = 3

audit.ACTION_LABELS.update({
    "resident_number_searched": "Penduduk dicari dengan NIK/KK lengkap",
    "residents_compared": "Dua data penduduk dibandingkan (dugaan ganda)",
    "duplicate_dismissed": "Pasangan ditandai bukan data ganda",
})


def number_holders(number):
    """(ids of residents with this NIK, ids of families with this KK number)."""
    residents = db.session.scalars(select(Resident.id).where(Resident.nik == number)).all()
    families = db.session.scalars(select(Family.id).where(Family.kk_number == number)).all()
    return residents, families


def record_number_lookup(query, source):
    """A search by a whole NIK or KK: audit that this user was shown the number and whose it is.

    Names every holder (whatever filters narrowed the results: the number itself is echoed back), commits
    its own write transaction (safe inside a GET) and does nothing for other queries or unknown numbers.
    """
    kind, number = classify(query)
    if kind != "nik":
        return False
    residents, families = number_holders(number)
    if not residents and not families:
        return False
    with write_transaction():
        for resident_id in residents:
            audit.record("resident_number_searched", "resident", resident_id, source=source, number=number)
        for family_id in families:
            audit.record("resident_number_searched", "family", family_id, source=source, number=number)
    return True


def lookup_residents(query, source="loket", limit=COUNTER_RESULTS):
    """The counter's resident lookup: the registry's own search (first results), audited like the search page.

    A whole NIK/KK or a number prefix, or a name of at least three letters; anything shorter finds nobody.
    """
    kind, value = classify(query)
    if kind in ("all", "short_number") or (kind == "name" and len(value.replace(" ", "")) < COUNTER_MIN_LETTERS):
        return []
    rows = search_residents(query, SearchFilters()).rows[:limit]
    record_number_lookup(query, source)
    return rows
