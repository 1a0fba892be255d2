"""The office -> city feed's tables: the office's outbox and push state, the city's offices and copies.

Office side: `feed_outbox` gets one row per change of a fed table, in the transaction that makes the
change, numbered by `seq` (the office's own sequence); `feed_state` (one row) remembers the last sequence
the city acknowledged and how the last push went.

City side: `city_office` is a paired office (its credential, the last sequence applied, when it last
pushed); `feed_row` is the city's copy of every fed row, keyed by the office's kelurahan code, the table
and the office's own id, so ids of different offices never collide. Reports read projections of it.
"""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc

# The tables an office feeds to the city: each office owns these rows; the city only reads them.
FED_TABLES = ("family", "resident", "resident_event", "ticket", "letter", "survey_response")
# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
SEQ = BigInteger().with_variant(Integer(), "sqlite")
# JSONB on PostgreSQL: indexable, and ordered (backups fingerprint tables by sorting every column).
ROW_DATA = JSON().with_variant(JSONB(), "postgresql")


class FeedOutbox(db.Model):
    """One change of a fed row, waiting to be pushed: which table, which row, upsert ('u') or delete ('d')."""

    __tablename__ = "feed_outbox"
    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(1), default="u")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    # A seq is never reused after acknowledged rows are deleted (0301 rebuilds the SQLite table so).
    __table_args__ = {"sqlite_autoincrement": True}


class FeedState(db.Model):
    """The office's push state (one row, id 1): what the city acknowledged, the last attempt and its error."""

    __tablename__ = "feed_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_push_at: Mapped[datetime | None]  # the last push the city acknowledged
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # backoff: no attempt before this
    failures: Mapped[int] = mapped_column(default=0)  # consecutive failed attempts
    last_error: Mapped[str] = mapped_column(Text, default="")  # Indonesian, shown on /admin/sistem


class FeedTwin(db.Model):
    """Office side: a resident of this office the city finds living in another kelurahan too (last answer)."""

    __tablename__ = "feed_twin"
    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    other_code: Mapped[str] = mapped_column(String(13), primary_key=True)  # the other kelurahan's code
    other_name: Mapped[str] = mapped_column(String(80), default="")
    resident_id: Mapped[int | None]  # this office's record, as the city has it
    seen_at: Mapped[datetime] = mapped_column(default=now_utc)  # the answer that listed it


class CityOffice(db.Model):
    """An office paired with the city: its credential (hash only), what was applied, when it last pushed."""

    __tablename__ = "city_office"
    code: Mapped[str] = mapped_column(String(13), primary_key=True)  # kelurahan code, 53.71.05.1005
    name: Mapped[str] = mapped_column(String(80), default="")
    kecamatan_code: Mapped[str] = mapped_column(String(8), index=True)  # 53.71.05
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(default=now_utc)
    revoked_at: Mapped[datetime | None]
    applied_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the office's last sequence applied here
    last_push_at: Mapped[datetime | None]
    waiting: Mapped[int] = mapped_column(default=0)  # changes the office still held after its last batch


class FeedRow(db.Model):
    """The city's copy of one fed row of one office: its columns as JSON, or deleted."""

    __tablename__ = "feed_row"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[dict | None] = mapped_column(ROW_DATA)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(BigInteger)  # the office's sequence of the change applied last

    __table_args__ = (Index("ix_feed_row_table", "table_name", "office_code"),)
