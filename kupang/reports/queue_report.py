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
from functools import cached_property

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..queue.models import Counter, Service
from .queue_cache import day_parts
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


def _groups(parts):
    """Overall and per service, counter and clerk figures from the days' parts."""
    overall = GroupStats()
    groups = {"service": defaultdict(GroupStats), "counter": defaultdict(GroupStats), "clerk": defaultdict(GroupStats)}
    for part in parts:
        for service_id, counter_id, clerk_id, status, transferred, count, with_standard, within in part.counts:
            targets = [overall, groups["service"][service_id]]
            if counter_id is not None:
                targets.append(groups["counter"][counter_id])
            if clerk_id is not None:
                targets.append(groups["clerk"][clerk_id])
            for target in targets:
                target.count(status, transferred, count, with_standard, within)
        for key, (waits, services) in part.lists.items():
            target = overall if key[0] == "all" else groups[key[0]][key[1]]
            target.waits.extend(waits)
            target.services.extend(services)
    return overall, groups


def _arrivals(parts):
    grid = [[0] * 24 for _ in range(7)]
    for part in parts:
        for weekday, hour, count in part.arrivals:
            grid[weekday][hour] += count
    return grid, [h for h in range(24) if any(grid[d][h] for d in range(7))]


def build(period):
    """The queue report for a Period."""
    parts, per_day = day_parts(period.start, period.end)
    overall, groups = _groups(parts)
    services = {s.id: s for s in db.session.scalars(select(Service))}
    counters = {c.id: c for c in db.session.scalars(select(Counter))}
    clerk_ids = list(groups["clerk"])
    clerks = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(clerk_ids)))} if clerk_ids else {}
    heat, hours = _arrivals(parts)
    return QueueReport(
        overall=overall,
        by_service=sorted(((services[i], g) for i, g in groups["service"].items() if i in services),
                          key=lambda pair: (pair[0].sort_order, pair[0].prefix)),
        by_counter=sorted(((counters[i], g) for i, g in groups["counter"].items() if i in counters),
                          key=lambda pair: pair[0].number),
        by_clerk=sorted(((clerks[i], g) for i, g in groups["clerk"].items() if i in clerks),
                        key=lambda pair: pair[0].display_name.lower()),
        heat=heat, hours=hours, daily=sorted(per_day.items()),
    )

