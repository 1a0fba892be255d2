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
from .models import Call, Counter, CounterSession, Service, Ticket
from .numbering import call_order, marker_version
from .speech import announcement

RECENT_CALLS = 6
NEXT_CODES = 4
AT_COUNTER = ("called", "serving")
RUNNING_TEXT_KEY = "running_text"
RUNNING_TEXT_MAX = 300
DEFAULT_RUNNING_TEXT = "Selamat datang. Ambil nomor antrian di kios, lalu tunggu nomor Anda dipanggil."


@dataclass
class BoardCall:
    """One ticket's latest call as the display shows and announces it."""

    id: int
    code: str
    counter_number: int
    is_recall: bool  # the ticket was called more than once today ("dipanggil ulang")
    called_at: object
    text: str
    words: list = field(default_factory=list)
    service: str = ""

    @property
    def words_json(self):
        """The clip words as JSON, for a data attribute."""
        return json.dumps(self.words)


@dataclass
class CounterRow:
    """A counter on the board: its number, whether a clerk has it open, the ticket there now."""

    number: int
    name: str
    open: bool
    code: str | None
    status: str | None


@dataclass
class WaitingRow:
    """A service on the board: how many wait and the next numbers to be called."""

    prefix: str
    name: str
    count: int
    next_codes: list


@dataclass
class Board:
    """The whole board for one day: what is true now."""

    day: date
    version: int
    latest: BoardCall | None  # the newest call whose ticket is still at its counter
    recent: list  # BoardCall, one per ticket, newest first; tickets back in the queue leave
    counters: list  # CounterRow
    waiting: list  # WaitingRow
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


def board_call(call_id, code, counter_number, is_recall, called_at, service=""):
    """A BoardCall with its spoken sentence and clip words."""
    try:
        spoken = announcement(code, counter_number)
    except ValueError:
        spoken = {"text": f"Nomor antrian {code}, silakan ke loket {counter_number}", "words": []}
    return BoardCall(call_id, code, counter_number, is_recall, called_at, spoken["text"], spoken["words"], service)


def _latest_calls(day):
    """Per ticket called today: its latest call id and how many calls it had."""
    start, end = local_day_bounds(day)
    return (select(Call.ticket_id, func.max(Call.id).label("call_id"), func.count().label("calls"))
            .where(Call.called_at >= start, Call.called_at < end).group_by(Call.ticket_id).subquery())


def _calls_query(day):
    latest = _latest_calls(day)
    return (select(Call.id, Ticket.code, Counter.number, latest.c.calls > 1, Call.called_at, Service.name)
            .join(latest, latest.c.call_id == Call.id)
            .join(Ticket, Ticket.id == Call.ticket_id).join(Counter, Counter.id == Call.counter_id)
            .join(Service, Service.id == Ticket.service_id))


def recent_calls(day, limit=RECENT_CALLS):
    """One entry per ticket called today (its latest call), newest first; a ticket back in the queue leaves."""
    rows = db.session.execute(_calls_query(day).where(Ticket.status != "waiting")
                              .order_by(Call.id.desc()).limit(limit)).all()
    return [board_call(*row) for row in rows]


def latest_call(day):
    """The newest call whose ticket is still called or served at that counter, or None."""
    row = db.session.execute(_calls_query(day).where(Ticket.status.in_(AT_COUNTER),
                                                     Ticket.counter_id == Call.counter_id)
                             .order_by(Call.id.desc()).limit(1)).first()
    return board_call(*row) if row else None


def counter_rows(day):
    """Each active counter: open or closed now, and the number it is calling or serving."""
    counters = db.session.execute(
        select(Counter.id, Counter.number, Counter.name).where(Counter.active.is_(True))
        .order_by(Counter.number)).all()
    opened = set(db.session.scalars(select(CounterSession.counter_id).where(CounterSession.closed_at.is_(None))))
    current = {}
    for counter_id, code, status in db.session.execute(
            select(Ticket.counter_id, Ticket.code, Ticket.status)
            .where(Ticket.day == day, Ticket.status.in_(AT_COUNTER))
            .order_by(Ticket.called_at)).all():
        current[counter_id] = (code, status)
    return [CounterRow(number, name, counter_id in opened, *current.get(counter_id, (None, None)))
            for counter_id, number, name in counters]


def waiting_rows(day):
    """Every active service in kiosk order: waiting count and the next numbers in call order."""
    services = db.session.execute(
        select(Service.id, Service.prefix, Service.name).where(Service.active.is_(True))
        .order_by(Service.sort_order, Service.prefix)).all()
    codes = {}
    for service_id, code in db.session.execute(
            select(Ticket.service_id, Ticket.code).where(Ticket.day == day, Ticket.status == "waiting")
            .order_by(*call_order())).all():
        codes.setdefault(service_id, []).append(code)
    return [WaitingRow(prefix, name, len(codes.get(service_id, [])), codes.get(service_id, [])[:NEXT_CODES])
            for service_id, prefix, name in services]


def board_state(day=None):
    """The display board for a day (today by default)."""
    day = day or office_today()
    version = marker_version()
    return Board(day=day, version=version, latest=latest_call(day), recent=recent_calls(day),
                 counters=counter_rows(day), waiting=waiting_rows(day), running_text=running_text())
