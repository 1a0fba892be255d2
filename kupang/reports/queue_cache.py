"""The queue report's figures per day, kept in memory for finished days whose tickets have not changed.

A finished day's tickets hardly ever change (close-day expires the last waiting ones), so each worker keeps
what it computed for such a day: its counts, its waiting and service times per group, its arrivals by hour.
Before use, every cached day is checked against a fingerprint read from the (day, status) index: the count
of tickets per status, plus the services' standard times. Today is always read fresh.
"""
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..queue.models import Service, Ticket
from ..timeutil import office_today, office_zone
from .sqltime import hour_bucket, seconds_between

MAX_DAYS = 800
_cache = OrderedDict()
_lock = Lock()


@dataclass
class DayPart:
    """One day's share of the report."""

    counts: list = field(default_factory=list)  # (service, counter, clerk, status, transferred, n, with_std, within)
    lists: dict = field(default_factory=lambda: defaultdict(lambda: ([], [])))  # group key -> (waits, services)
    arrivals: list = field(default_factory=list)  # (weekday, hour, count)


def _fingerprints(start, end):
    """{day: ((status, count, sum of ids, last change), ...)}: what must match for a cached day to be used."""
    found = defaultdict(list)
    for day, status, count, ids, finished, called in db.session.execute(
            select(Ticket.day, Ticket.status, func.count(), func.sum(Ticket.id), func.max(Ticket.finished_at),
                   func.max(Ticket.called_at)).where(Ticket.day >= start, Ticket.day <= end)
            .group_by(Ticket.day, Ticket.status)).all():
        found[day].append((status, count, ids, str(finished), str(called)))
    return {day: tuple(sorted(items)) for day, items in found.items()}


def _standards():
    return tuple(sorted(db.session.execute(select(Service.id, Service.standard_minutes)).all()))


def _compute(days):
    """DayPart for each of the days, in three queries."""
    parts = defaultdict(DayPart)
    total = seconds_between(Ticket.issued_at, Ticket.finished_at)
    has_standard = and_(Ticket.status == "done", Service.standard_minutes.is_not(None), Ticket.finished_at.is_not(None))
    transferred = (Ticket.service_id != Ticket.numbered_service_id).label("transferred")
    groups = (Ticket.day, Ticket.service_id, Ticket.counter_id, Ticket.clerk_id, Ticket.status, transferred)
    for day, *row in db.session.execute(
            select(*groups, func.count(), func.sum(case((has_standard, 1), else_=0)),
                   func.sum(case((and_(has_standard, total <= Service.standard_minutes * 60), 1), else_=0)))
            .join(Service, Service.id == Ticket.service_id).where(Ticket.day.in_(days)).group_by(*groups)).all():
        parts[day].counts.append(tuple(row))
    for day, service_id, counter_id, clerk_id, wait, served in db.session.connection().execute(
            select(Ticket.day, Ticket.service_id, Ticket.counter_id, Ticket.clerk_id,
                   seconds_between(Ticket.issued_at, Ticket.called_at),
                   case((Ticket.status == "done", seconds_between(Ticket.started_at, Ticket.finished_at)), else_=None))
            .where(Ticket.day.in_(days), Ticket.called_at.is_not(None))).fetchall():
        lists = parts[day].lists
        keys = [("all",), ("service", service_id)]
        if counter_id is not None:
            keys.append(("counter", counter_id))
        if clerk_id is not None:
            keys.append(("clerk", clerk_id))
        wait = None if wait is None else max(0.0, wait)
        served = None if served is None else max(0.0, served)
        for key in keys:
            waits, services = lists[key]
            if wait is not None:
                waits.append(wait)
            if served is not None:
                services.append(served)
    bucket = hour_bucket(Ticket.issued_at)
    zone = office_zone()
    for day, text, count in db.session.execute(select(Ticket.day, bucket, func.count()).where(Ticket.day.in_(days))
                                               .group_by(Ticket.day, bucket)).all():
        local = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone)
        parts[day].arrivals.append((local.weekday(), local.hour, count))
    return parts


def day_parts(start, end):
    """[DayPart] for every day of the period that has tickets: cached where still valid, else computed."""
    prints = _fingerprints(start, end)
    standards = _standards()
    today = office_today()
    url = str(db.engine.url)
    found, missing = {}, []
    with _lock:
        for day, fingerprint in prints.items():
            cached = _cache.get((url, day))
            if cached is not None and cached[0] == (fingerprint, standards) and day < today:
                found[day] = cached[1]
                _cache.move_to_end((url, day))
            else:
                missing.append(day)
    if missing:
        fresh = _compute(missing)
        with _lock:
            for day in missing:
                part = fresh.get(day, DayPart())
                found[day] = part
                if day < today:
                    _cache[(url, day)] = ((prints[day], standards), part)
            while len(_cache) > MAX_DAYS:
                _cache.popitem(last=False)
    return [found[day] for day in sorted(found)], {day: sum(item[1] for item in fp) for day, fp in prints.items()}


def clear():
    """Forget every cached day (tests, benchmarks measuring a cold report)."""
    with _lock:
        _cache.clear()
