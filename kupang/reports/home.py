"""The supervisor's home page: the queue now against the usual, today against the same weekday, SKM, NIK, letters."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..queue.calling import waiting_by_service
from ..queue.models import Service, Ticket
from ..timeutil import local_day_bounds, now_utc, office_today, office_zone, to_local
from . import skm_report
from .periods import Period
from .population import nik_counts
from .snapshots import history

SAME_WEEKDAYS = 8


@dataclass
class ServiceNow:
    """One service's queue now and the average of the same hour on earlier same weekdays."""

    service: object
    waiting: int
    usual: float | None


def _same_weekdays(today):
    return [today - timedelta(days=7 * n) for n in range(1, SAME_WEEKDAYS + 1)]


def _to_utc(moment):
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None)


def _open_days(days):
    """The earlier days the office issued any ticket (days it was closed do not pull the average down)."""
    return set(db.session.scalars(select(Ticket.day).where(Ticket.day.in_(days)).group_by(Ticket.day)))


def queue_now(now=None):
    """[ServiceNow] for active services: waiting now, and how many usually waited at this hour."""
    now = now or now_utc()
    today = office_today(now)
    local_now = to_local(now)
    days = sorted(_open_days(_same_weekdays(today)))
    usual = {}
    if days:
        moments = {d: _to_utc(datetime.combine(d, local_now.time(), tzinfo=office_zone())) for d in days}
        waiting_then = or_(*(and_(Ticket.day == d, Ticket.issued_at <= t,
                                  or_(Ticket.called_at.is_(None), Ticket.called_at > t)) for d, t in moments.items()))
        for service_id, count in db.session.execute(select(Ticket.service_id, func.count()).where(waiting_then)
                                                    .group_by(Ticket.service_id)).all():
            usual[service_id] = count / len(days)
    services = db.session.scalars(select(Service).where(Service.active.is_(True))
                                  .order_by(Service.sort_order, Service.prefix)).all()
    waiting = waiting_by_service(today, services)
    return [ServiceNow(s, waiting.get(s.id, 0), usual.get(s.id, 0.0) if days else None) for s in services]


@dataclass
class DayCompare:
    """Today's tickets so far against the average, by the same time, of the earlier same weekdays."""

    issued: int
    served: int
    usual_issued: float | None
    usual_served: float | None
    usual_whole_day: float | None
    weekdays: int


def today_against_usual(now=None):
    """DayCompare for now."""
    now = now or now_utc()
    today = office_today(now)
    local_now = to_local(now)
    issued, served = db.session.execute(select(func.count(), func.count().filter(Ticket.status == "done"))
                                        .where(Ticket.day == today)).one()
    days = sorted(_open_days(_same_weekdays(today)))
    if not days:
        return DayCompare(issued, served, None, None, None, 0)
    until = or_(*(and_(Ticket.day == d, Ticket.issued_at <= _to_utc(datetime.combine(d, local_now.time(),
                                                                                     tzinfo=office_zone())))
                  for d in days))
    before_issued = db.session.scalar(select(func.count()).where(until)) or 0
    served_until = or_(*(and_(Ticket.day == d, Ticket.status == "done",
                              Ticket.finished_at <= _to_utc(datetime.combine(d, local_now.time(),
                                                                             tzinfo=office_zone())))
                         for d in days))
    before_served = db.session.scalar(select(func.count()).where(served_until)) or 0
    whole = db.session.scalar(select(func.count()).where(Ticket.day.in_(days))) or 0
    n = len(days)
    return DayCompare(issued, served, before_issued / n, before_served / n, whole / n, n)


def month_skm(today=None):
    """The SKM result of the current month."""
    today = today or office_today()
    return skm_report.build(Period(today.replace(day=1), today, "bulan", ""))


@dataclass
class NikNow:
    """NIK completeness now and 30 days ago (from the daily snapshot)."""

    residents: int
    with_nik: int
    earlier_percent: float | None
    earlier_day: object

    @property
    def percent(self):
        """Share with a NIK now."""
        return 100.0 if not self.residents else 100.0 * self.with_nik / self.residents

    @property
    def change(self):
        """Percentage points since the earlier snapshot."""
        return None if self.earlier_percent is None else self.percent - self.earlier_percent


def nik_now(today=None):
    """NikNow: today's counts and the snapshot nearest to 30 days ago."""
    today = today or office_today()
    residents, with_nik, _warnings = nik_counts()
    earlier = history(today - timedelta(days=45), today - timedelta(days=25))
    point = earlier[0] if earlier else None
    return NikNow(residents, with_nik, point.percent if point else None, point.day if point else None)


def letters_today(today=None):
    """Letters this office issued today (a letter voided later still counts: it was issued)."""
    from ..letters.models import Letter

    start, end = local_day_bounds(today or office_today())
    return db.session.scalar(select(func.count()).select_from(Letter).where(
        Letter.issued_at >= start, Letter.issued_at < end, Letter.status != "draft",
        Letter.kelurahan_code == current_app.config["KELURAHAN_CODE"])) or 0
