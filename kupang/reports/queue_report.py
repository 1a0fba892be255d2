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

from sqlalchemy import func, select

from ..auth.models import User
from ..extensions import db
from ..queue.models import Counter, Service, Ticket
from ..timeutil import HARI, office_zone
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

    def add(self, row, standard):
        """Count one ticket row (status, transferred, wait_s, service_s, total_s) against its standard minutes."""
        self.issued += 1
        if row.status == "done":
            self.served += 1
            if row.service_s is not None:
                self.services.append(max(0.0, row.service_s))
            if standard and row.total_s is not None:
                self.with_standard += 1
                self.within_standard += row.total_s <= standard * 60
        elif row.status == "no_show":
            self.no_show += 1
        elif row.status == "expired":
            self.expired += 1
        else:
            self.open += 1
        if row.transferred:
            self.transferred += 1
        if row.wait_s is not None:
            self.waits.append(max(0.0, row.wait_s))

    @property
    def wait_median(self):
        """Median waiting time in minutes."""
        return _minutes(median(self.waits))

    @property
    def wait_p90(self):
        """90th percentile of the waiting time in minutes."""
        return _minutes(percentile(self.waits, 0.9))

    @property
    def service_median(self):
        """Median service time in minutes."""
        return _minutes(median(self.services))

    @property
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


def ticket_rows(start, end):
    """One row per ticket of the local days start..end with the durations in seconds, computed in SQL."""
    stmt = select(
        Ticket.service_id, Ticket.counter_id, Ticket.clerk_id, Ticket.status, Ticket.day,
        (Ticket.service_id != Ticket.numbered_service_id).label("transferred"),
        seconds_between(Ticket.issued_at, Ticket.called_at).label("wait_s"),
        seconds_between(Ticket.started_at, Ticket.finished_at).label("service_s"),
        seconds_between(Ticket.issued_at, Ticket.finished_at).label("total_s"),
    ).where(Ticket.day >= start, Ticket.day <= end)
    return db.session.execute(stmt).all()


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


def build(period):
    """The queue report for a Period."""
    rows = ticket_rows(period.start, period.end)
    services = {s.id: s for s in db.session.scalars(select(Service))}
    standards = {sid: s.standard_minutes for sid, s in services.items()}
    overall = GroupStats()
    groups = {"service": defaultdict(GroupStats), "counter": defaultdict(GroupStats), "clerk": defaultdict(GroupStats)}
    daily = defaultdict(int)
    for row in rows:
        standard = standards.get(row.service_id)
        overall.add(row, standard)
        groups["service"][row.service_id].add(row, standard)
        if row.counter_id is not None:
            groups["counter"][row.counter_id].add(row, standard)
        if row.clerk_id is not None:
            groups["clerk"][row.clerk_id].add(row, standard)
        daily[row.day] += 1
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
        heat=heat, hours=hours, daily=sorted(daily.items()),
    )


WEEKDAYS = HARI
