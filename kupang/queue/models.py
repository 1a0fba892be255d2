"""Queue: services (layanan), counters (loket), tickets, calls, paired devices."""
from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

counter_service = Table(
    "counter_service",
    db.metadata,
    Column("counter_id", ForeignKey("counter.id"), primary_key=True),
    Column("service_id", ForeignKey("service.id"), primary_key=True),
)

PRIORITIES = {"lansia": "Lansia", "disabilitas": "Penyandang disabilitas", "ibu_anak": "Ibu hamil atau membawa anak"}
TICKET_STATUS = {"waiting": "Menunggu", "called": "Dipanggil", "serving": "Dilayani", "done": "Selesai",
                 "no_show": "Tidak hadir", "expired": "Kedaluwarsa"}


class Service(db.Model):
    """A service the office gives, with its ticket prefix letter and requirements."""

    __tablename__ = "service"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(1), unique=True)
    requirements: Mapped[str] = mapped_column(Text, default="")  # one requirement per line
    opens_at: Mapped[time] = mapped_column(Time, default=time(8, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(15, 0))
    daily_cap: Mapped[int | None]
    allow_priority: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    minutes_per_ticket: Mapped[int] = mapped_column(default=5)  # estimate until today's data says otherwise
    # Waktu layanan standar: the minutes from taking a number to being done that the office promises (reports).
    standard_minutes: Mapped[int | None]

    counters: Mapped[list["Counter"]] = relationship(secondary=counter_service, back_populates="services")

    @property
    def requirement_list(self):
        """The requirements as a list of non-empty lines."""
        return [line.strip() for line in (self.requirements or "").splitlines() if line.strip()]


class Counter(db.Model):
    """A service counter (loket) and the services it serves."""

    __tablename__ = "counter"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    services: Mapped[list[Service]] = relationship(secondary=counter_service, back_populates="counters")


class CounterSession(db.Model):
    """A clerk working at a counter, from opening to closing it."""

    __tablename__ = "counter_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=now_utc)
    closed_at: Mapped[datetime | None]

    counter: Mapped[Counter] = relationship()


class DailySequence(db.Model):
    """The last number issued for one service on one local day; advanced with each ticket insert."""

    __tablename__ = "daily_sequence"
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
    last_issued_at: Mapped[datetime | None]


def office_code():
    """This office's kelurahan code (KUPANG_KELURAHAN), the default for the records a city report reads."""
    return current_app.config["KELURAHAN_CODE"]


class Ticket(db.Model):
    """A numbered queue ticket and its life: issued, called, served, finished (or no-show/expired)."""

    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The service that gave the number; a transfer changes service_id but never the number.
    numbered_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(8))  # "A-012"
    priority: Mapped[str | None] = mapped_column(String(20))  # PRIORITIES key
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # TICKET_STATUS key
    token: Mapped[str] = mapped_column(String(43), unique=True)  # public status page, unguessable
    issued_at: Mapped[datetime] = mapped_column(default=now_utc)
    called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    call_count: Mapped[int] = mapped_column(default=0)
    # Bumped by every counter transition; the transition's UPDATE requires the version the clerk saw (0040).
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    issued_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The kiosk form's one-time nonce: a double tap finds the ticket of the first tap (migration 0011).
    issue_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The office that issued it (0210): the city view gathers tickets of 51 offices.
    kelurahan_code: Mapped[str] = mapped_column(String(13), default=office_code)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    numbered_service: Mapped[Service] = relationship(foreign_keys=[numbered_service_id])
    counter: Mapped[Counter | None] = relationship()

    __table_args__ = (
        UniqueConstraint("numbered_service_id", "day", "number", name="uq_ticket_service_day_number"),
        Index("ix_ticket_day_status", "day", "status"),
        # The counter's current ticket (counter + called/serving) and its day's figures (+ day): without it
        # every counter action scanned a year of tickets.
        Index("ix_ticket_counter_status_day", "counter_id", "status", "day"),
    )


class Call(db.Model):
    """One announcement of a ticket at a counter (a recall is another row); displays replay none of the old."""

    __tablename__ = "queue_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    called_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    is_recall: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[Ticket] = relationship()
    counter: Mapped[Counter] = relationship()


class QueueMarker(db.Model):
    """A single row bumped on every queue change: an unchanged display poll reads only this."""

    __tablename__ = "queue_marker"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=now_utc)


class Device(db.Model):
    """A paired kiosk or display: a one-time pairing code turns into a long-lived, revocable token."""

    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "kiosk", "display" or "survey"
    name: Mapped[str] = mapped_column(String(60))
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
