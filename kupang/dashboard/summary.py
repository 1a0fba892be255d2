"""Today at a glance for the home page: the registry's completeness and the queue's day."""
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..queue.calling import counter_stats
from ..queue.models import Ticket
from ..registry.completeness import counted_residents
from ..registry.models import Resident
from ..timeutil import office_today


@dataclass
class Summary:
    """The handful of numbers a lurah looks at first."""

    residents: int
    with_nik: int
    issued_today: int
    waiting_now: int
    served_today: int
    no_show_today: int
    avg_wait_minutes: float | None
    avg_service_minutes: float | None

    @property
    def nik_percent(self):
        """Share of living residents with a NIK, 0-100."""
        return 100.0 if not self.residents else 100.0 * self.with_nik / self.residents


def today_summary():
    """Residents with/without NIK and today's tickets (issued, waiting, served, no-show, average times)."""
    residents, with_nik = db.session.execute(
        select(func.count(), func.count(Resident.nik)).where(*counted_residents())).one()
    day = office_today()
    by_status = dict(db.session.execute(
        select(Ticket.status, func.count()).where(Ticket.day == day).group_by(Ticket.status)).all())
    stats = counter_stats(day=day)
    return Summary(
        residents=residents, with_nik=with_nik, issued_today=sum(by_status.values()),
        waiting_now=by_status.get("waiting", 0), served_today=stats.served, no_show_today=stats.no_show,
        avg_wait_minutes=stats.avg_wait_minutes, avg_service_minutes=stats.avg_service_minutes,
    )
