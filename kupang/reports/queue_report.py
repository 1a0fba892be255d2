"""Queue statistics over a period: counts, waiting and service times, arrivals by hour, the standard time kept.

Definitions (shown on the page too):
- issued: tickets taken in the period; served: finished as done; no-show: marked absent after a recall;
  expired: still open when their day ended; transferred: now in another service than the one that numbered it;
- waiting time: from taking the number to the (last) call; service time: from the start of service to done;
- within standard: done tickets whose whole visit (number taken to done) took at most the service's
  "waktu layanan standar", over the done tickets of services that have one.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import and_, case, func, select

from ..auth.models import User
from ..extensions import db
from ..queue.models import Counter, Service, Ticket
from ..timeutil import office_zone
from .sqltime import hour_bucket, seconds_between
from .stats import median, percentile, share_percent


@dataclass
class GroupStats:
    """The figures of one group of tickets (the whole office, a service, a counter or a clerk)."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    expired: int = 0
    open: int = 0
    waits: list = field(default_factory=list)
    services: list = field(default_factory=list)
    with_standard: int = 0
    within_standard: int = 0

    def count(self, status, transferred, count, with_standard, within):
        """Add `count` tickets of one status (and how many of them had / kept a standard time)."""
        self.issued += count
        if status == "done":
            self.served += count
        elif status == "no_show":
            self.no_show += count
        elif status == "expired":
            self.expired += count
        else:
            self.open += count
        if transferred:
            self.transferred += count
        self.with_standard += with_standard or 0
        self.within_standard += within or 0

    @cached_property
    def wait_median(self):
        """Median waiting time in minutes."""
        return _minutes(median(self.waits))

    @cached_property
    def wait_p90(self):
        """90th percentile of the waiting time in minutes."""
        return _minutes(percentile(self.waits, 0.9))

    @cached_property
    def service_median(self):
        """Median service time in minutes."""
        return _minutes(median(self.services))

    @cached_property
    def service_p90(self):
        """90th percentile of the service time in minutes."""
        return _minutes(percentile(self.services, 0.9))

    @property
    def within_percent(self):
        """Share of done tickets (of services with a standard) finished within it, 0-100."""
        return share_percent(self.within_standard, self.with_standard)


def _minutes(seconds):
    return None if seconds is None else seconds / 60.0


@dataclass
class QueueReport:
    """Everything /laporan/antrian shows for one period."""

    overall: GroupStats
    by_service: list  # [(Service, GroupStats)]
    by_counter: list  # [(Counter, GroupStats)]
    by_clerk: list  # [(User, GroupStats)]
    heat: list  # 7 rows (Monday first) x 24 hours
    hours: list  # the hours that had any arrival (columns of the heat map)
    daily: list  # [(date, issued)]


def _period(start, end):
    return (Ticket.day >= start, Ticket.day <= end)


def ticket_counts(start, end):
    """Counts by service, counter, clerk, status and transfer, with the standard time kept, in one GROUP BY."""
    total = seconds_between(Ticket.issued_at, Ticket.finished_at)
    has_standard = and_(Ticket.status == "done", Service.standard_minutes.is_not(None), Ticket.finished_at.is_not(None))
    transferred = (Ticket.service_id != Ticket.numbered_service_id).label("transferred")
    stmt = (select(Ticket.service_id, Ticket.counter_id, Ticket.clerk_id, Ticket.status, transferred, func.count(),
                   func.sum(case((has_standard, 1), else_=0)),
                   func.sum(case((and_(has_standard, total <= Service.standard_minutes * 60), 1), else_=0)))
            .join(Service, Service.id == Ticket.service_id).where(*_period(start, end))
            .group_by(Ticket.service_id, Ticket.counter_id, Ticket.clerk_id, Ticket.status, transferred))
    return db.session.execute(stmt).all()


def ticket_durations(start, end):
    """(service, counter, clerk, wait seconds, service seconds) of every called ticket, computed in SQL."""
    stmt = select(Ticket.service_id, Ticket.counter_id, Ticket.clerk_id,
                  seconds_between(Ticket.issued_at, Ticket.called_at),
                  case((Ticket.status == "done", seconds_between(Ticket.started_at, Ticket.finished_at)), else_=None),
                  ).where(*_period(start, end), Ticket.called_at.is_not(None))
    return db.session.connection().execute(stmt).fetchall()


def daily_counts(start, end):
    """[(day, issued)] for the period."""
    return [tuple(row) for row in db.session.execute(select(Ticket.day, func.count()).where(*_period(start, end))
                                                     .group_by(Ticket.day).order_by(Ticket.day)).all()]


def arrivals(start, end):
    """(7 x 24 counts by local weekday and hour, sorted hours with arrivals) for tickets of the period."""
    bucket = hour_bucket(Ticket.issued_at)
    grid = [[0] * 24 for _ in range(7)]
    zone = office_zone()
    rows = db.session.execute(select(bucket, func.count()).where(Ticket.day >= start, Ticket.day <= end)
                              .group_by(bucket)).all()
    for text, count in rows:
        local = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone)
        grid[local.weekday()][local.hour] += count
    hours = [h for h in range(24) if any(grid[d][h] for d in range(7))]
    return grid, hours


def _groups(start, end):
    overall = GroupStats()
    groups = {"service": defaultdict(GroupStats), "counter": defaultdict(GroupStats), "clerk": defaultdict(GroupStats)}
    for row in ticket_counts(start, end):
        service_id, counter_id, clerk_id, status, transferred, count, with_standard, within = row
        targets = [overall, groups["service"][service_id]]
        if counter_id is not None:
            targets.append(groups["counter"][counter_id])
        if clerk_id is not None:
            targets.append(groups["clerk"][clerk_id])
        for target in targets:
            target.count(status, transferred, count, with_standard, within)
    by_service, by_counter, by_clerk = groups["service"], groups["counter"], groups["clerk"]
    for service_id, counter_id, clerk_id, wait, served in ticket_durations(start, end):
        targets = [overall, by_service[service_id]]
        if counter_id is not None:
            targets.append(by_counter[counter_id])
        if clerk_id is not None:
            targets.append(by_clerk[clerk_id])
        wait = wait if wait is None or wait > 0 else 0.0
        for target in targets:
            if wait is not None:
                target.waits.append(wait)
            if served is not None:
                target.services.append(served if served > 0 else 0.0)
    return overall, groups


def build(period):
    """The queue report for a Period."""
    overall, groups = _groups(period.start, period.end)
    services = {s.id: s for s in db.session.scalars(select(Service))}
    counters = {c.id: c for c in db.session.scalars(select(Counter))}
    clerk_ids = list(groups["clerk"])
    clerks = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(clerk_ids)))} if clerk_ids else {}
    heat, hours = arrivals(period.start, period.end)
    return QueueReport(
        overall=overall,
        by_service=sorted(((services[i], g) for i, g in groups["service"].items() if i in services),
                          key=lambda pair: (pair[0].sort_order, pair[0].prefix)),
        by_counter=sorted(((counters[i], g) for i, g in groups["counter"].items() if i in counters),
                          key=lambda pair: pair[0].number),
        by_clerk=sorted(((clerks[i], g) for i, g in groups["clerk"].items() if i in clerks),
                        key=lambda pair: pair[0].display_name.lower()),
        heat=heat, hours=hours, daily=daily_counts(period.start, period.end),
    )

