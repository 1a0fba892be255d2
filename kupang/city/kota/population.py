"""The monthly population report summed over offices: each office's balance by the office report's own rule.

Each office's line is computed exactly as its own /laporan/penduduk computes its total (reports/population.py
period_balances: entry and exit events, residents without events counted while hidup), then lines are summed
by kecamatan and for the city. A move between two kelurahan is a move out of one and a move in to the other;
a person registered active in two kelurahan is in both offices' populations (the completeness page counts
them once).
"""
from collections import namedtuple
from datetime import date

from sqlalchemy import func, select

from ...extensions import db
from ...reports.periods import month_bounds, month_label
from ...reports.population import ENTRY, EXIT, Balance, period_balances
from .completeness import in_kecamatan
from .models import CityAreaCount, CityResidentEvent
from .scope import kecamatan_of

EventRow = namedtuple("EventRow", "resident_id kind event_date rw sex life_status")
MONTHS_SHOWN = 12


def _living_now(kecamatan=None):
    """(office, sex, living) from the pre-counts (sex 0, not recorded, counts as the office report counts None)."""
    stmt = select(CityAreaCount.office_code, CityAreaCount.sex, func.sum(CityAreaCount.living))
    if kecamatan:
        stmt = stmt.where(in_kecamatan(CityAreaCount.office_code, kecamatan))
    rows = db.session.execute(stmt.group_by(CityAreaCount.office_code, CityAreaCount.sex)).all()
    return [(office, sex or None, int(living)) for office, sex, living in rows]


def _events(kecamatan=None):
    """Entry and exit events of not-merged residents, as the office report reads them, keyed by office."""
    stmt = (select(CityResidentEvent.office_code, CityResidentEvent.resident_row_id, CityResidentEvent.kind,
                   CityResidentEvent.event_date, CityResidentEvent.sex, CityResidentEvent.life_status)
            .where(CityResidentEvent.life_status.is_not(None), CityResidentEvent.merged.is_(False),
                   CityResidentEvent.kind.in_(tuple(ENTRY) + tuple(EXIT)))
            .order_by(CityResidentEvent.office_code, CityResidentEvent.resident_row_id, CityResidentEvent.event_date,
                      CityResidentEvent.row_id))
    if kecamatan:
        stmt = stmt.where(in_kecamatan(CityResidentEvent.office_code, kecamatan))
    return [EventRow((office, rid), kind, day, office, sex, status)
            for office, rid, kind, day, sex, status in db.session.execute(stmt)]


def _summed(lines, key):
    """{key(office): Balance} summing the offices' lines."""
    sums = {}
    for office, line in lines.items():
        sums.setdefault(key(office), Balance()).add(line)
    return dict(sorted(sums.items()))


def previous_months(year, month, count=MONTHS_SHOWN):
    """(year, month) of the count months ending with the given one, oldest first."""
    found = []
    for _n in range(count):
        found.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def monthly_report(year, month, today, kecamatan=None):
    """(lines, total, trend) for a month: lines per kecamatan (or per kelurahan of one kecamatan), and the
    scope's total Balance for each of the last twelve months [(label, Balance)]."""
    living_now, events = _living_now(kecamatan), _events(kecamatan)
    months = [(y, m) for y, m in previous_months(year, month) if date(y, m, 1) <= today]
    periods = [(first, min(last, today)) for first, last in (month_bounds(y, m) for y, m in months)]
    balances = period_balances(living_now, events, periods)
    per_office, total = balances[-1]
    lines = per_office if kecamatan else _summed(per_office, kecamatan_of)
    trend = [(month_label(y, m), balance[1]) for (y, m), balance in zip(months, balances, strict=True)]
    return lines, total, trend
