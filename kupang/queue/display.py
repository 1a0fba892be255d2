"""What the TV display shows: latest call, each counter's number, recent calls, waiting per service.

Never a name or NIK: only ticket codes, counter numbers and service names leave this module.
"""
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..settings import get_setting
from ..timeutil import local_day_bounds, office_today
from .models import Call, Counter, Service, Ticket
from .numbering import marker_version
from .speech import announcement

RECENT_CALLS = 6
RUNNING_TEXT_KEY = "running_text"
RUNNING_TEXT_MAX = 300
DEFAULT_RUNNING_TEXT = "Selamat datang. Ambil nomor antrian di kios, lalu tunggu nomor Anda dipanggil."


@dataclass
class BoardCall:
    """One call as the display shows and announces it."""

    id: int
    code: str
    counter_number: int
    is_recall: bool
    called_at: object
    text: str
    words: list = field(default_factory=list)

    @property
    def words_json(self):
        """The clip words as JSON, for a data attribute."""
        return json.dumps(self.words)


@dataclass
class Board:
    """The whole board for one day."""

    day: date
    version: int
    latest: BoardCall | None
    recent: list
    counters: list  # (number, name, code or None, status or None)
    waiting: list  # (prefix, service name, count)
    running_text: str

    @property
    def token(self):
        """The change token a poll sends back: marker version and day (a new day redraws the board)."""
        return board_token(self.version, self.day)


def board_token(version, day):
    """'<version>-<yyyymmdd>'."""
    return f"{version}-{day:%Y%m%d}"


def current_token(day=None):
    """The change token of the board right now."""
    return board_token(marker_version(), day or office_today())


def running_text():
    """The running-text line an admin set, or the default welcome line."""
    return get_setting(RUNNING_TEXT_KEY) or DEFAULT_RUNNING_TEXT


def board_call(call_id, code, counter_number, is_recall, called_at):
    """A BoardCall with its spoken sentence and clip words."""
    try:
        spoken = announcement(code, counter_number)
    except ValueError:
        spoken = {"text": f"Nomor antrian {code}, silakan ke loket {counter_number}", "words": []}
    return BoardCall(call_id, code, counter_number, is_recall, called_at, spoken["text"], spoken["words"])


def recent_calls(day, limit=RECENT_CALLS):
    """The newest calls of a day, newest first."""
    start, end = local_day_bounds(day)
    rows = db.session.execute(
        select(Call.id, Ticket.code, Counter.number, Call.is_recall, Call.called_at)
        .join(Ticket, Ticket.id == Call.ticket_id).join(Counter, Counter.id == Call.counter_id)
        .where(Call.called_at >= start, Call.called_at < end)
        .order_by(Call.id.desc()).limit(limit)).all()
    return [board_call(*row) for row in rows]


def counter_numbers(day):
    """Each active counter with the number it is calling or serving now."""
    counters = db.session.execute(
        select(Counter.id, Counter.number, Counter.name).where(Counter.active.is_(True))
        .order_by(Counter.number)).all()
    current = {}
    for counter_id, code, status in db.session.execute(
            select(Ticket.counter_id, Ticket.code, Ticket.status)
            .where(Ticket.day == day, Ticket.status.in_(("called", "serving")))
            .order_by(Ticket.called_at)).all():
        current[counter_id] = (code, status)
    return [(number, name, *current.get(counter_id, (None, None))) for counter_id, number, name in counters]


def waiting_counts(day):
    """(prefix, name, waiting) for every active service, in kiosk order."""
    counts = dict(db.session.execute(
        select(Ticket.service_id, func.count()).where(Ticket.day == day, Ticket.status == "waiting")
        .group_by(Ticket.service_id)).all())
    services = db.session.execute(
        select(Service.id, Service.prefix, Service.name).where(Service.active.is_(True))
        .order_by(Service.sort_order, Service.prefix)).all()
    return [(prefix, name, counts.get(service_id, 0)) for service_id, prefix, name in services]


def board_state(day=None):
    """The display board for a day (today by default)."""
    day = day or office_today()
    version = marker_version()
    recent = recent_calls(day)
    return Board(day=day, version=version, latest=recent[0] if recent else None, recent=recent,
                 counters=counter_numbers(day), waiting=waiting_counts(day), running_text=running_text())
