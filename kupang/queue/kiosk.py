"""What the kiosk shows and what a ticket says: per-service availability, waiting, estimates, QR code."""
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..timeutil import now_utc, office_today
from .estimate import WaitEstimate, estimate_wait, minutes_label, new_ticket_wait
from .models import PRIORITIES, DailySequence, Service, Ticket
from .numbering import hours_label, is_open, people_ahead, waiting_counts

# The kiosk's large priority choice, after the service: general first, then each priority.
KIOSK_CHOICES = (("", "Umum", "Antrian biasa"),
                 ("lansia", "Lansia", "Usia 60 tahun ke atas"),
                 ("disabilitas", "Penyandang disabilitas", "Didahulukan"),
                 ("ibu_anak", "Ibu hamil atau membawa anak", "Didahulukan"))


@dataclass
class ServiceTile:
    """One service as the kiosk shows it."""

    service: Service
    open: bool
    full: bool
    waiting: int
    wait: WaitEstimate | None
    hours: str

    @property
    def available(self):
        """A tap on this tile would issue a ticket."""
        return self.open and not self.full

    @property
    def asks_priority(self):
        """A tap leads to the priority choice first (the service offers priority tickets)."""
        return self.available and self.service.allow_priority


def kiosk_tiles(at=None):
    """(available-or-full tiles for services open now, tiles of active services closed now), in display order."""
    at = at or now_utc()
    day = office_today(at)
    services = db.session.scalars(select(Service).where(Service.active.is_(True))
                                  .order_by(Service.sort_order, Service.prefix)).all()
    issued = dict(db.session.execute(select(DailySequence.service_id, DailySequence.last_number)
                                     .where(DailySequence.day == day)).all())
    waiting = waiting_counts(day)
    open_tiles, closed_tiles = [], []
    for service in services:
        opened = is_open(service, at)
        full = service.daily_cap is not None and issued.get(service.id, 0) >= service.daily_cap
        count = waiting.get(service.id, 0)
        wait = new_ticket_wait(service, count, at) if opened and not full else None
        tile = ServiceTile(service, opened, full, count, wait, hours_label(service))
        (open_tiles if opened else closed_tiles).append(tile)
    return open_tiles, closed_tiles


def wait_label(minutes, short=False):
    """'± 15 menit', 'kurang dari 5 menit' (short: '< 5 menit') or '± 1 jam 20 menit' for an estimated wait."""
    return minutes_label(minutes, short)


@dataclass
class TicketFacts:
    """Everything a printed ticket or status page says about a ticket: never a name or NIK."""

    ticket: Ticket
    state: str  # waiting, called, serving, done, no_show, expired
    ahead: int
    wait: WaitEstimate | None  # only while waiting
    counter_number: int | None

    @property
    def priority_label(self):
        """The priority in Indonesian, or ''."""
        return PRIORITIES.get(self.ticket.priority or "", "")

    @property
    def final(self):
        """Nothing will change for this ticket any more."""
        return self.state in ("done", "no_show", "expired")


def ticket_facts(ticket, today=None):
    """The ticket's state for residents; an open ticket of an earlier day counts as expired."""
    state = ticket.status
    if state in ("waiting", "called") and ticket.day < (today or office_today()):
        state = "expired"
    waiting = state == "waiting"
    counter = ticket.counter.number if ticket.counter is not None else None
    ahead = people_ahead(ticket) if waiting else 0
    return TicketFacts(ticket, state, ahead, estimate_wait(ticket.service, ahead) if waiting else None, counter)


def qr_svg(url):
    """An inline SVG QR code (no style attributes, CSP-safe) for a link."""
    import segno  # lazy: only kiosk tickets need it

    return segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff",
                                                 svgclass="qr-code", lineclass=None, omitsize=True)
