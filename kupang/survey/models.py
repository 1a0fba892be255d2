"""Survey answers: one row per respondent, no name, no NIK; at most one per queue ticket."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc

CHANNELS = {"tablet": "Tablet survei", "tiket": "Halaman nomor antrian"}


class SurveyResponse(db.Model):
    """One completed SKM questionnaire: the nine answers (1-4), an optional profile and a comment."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(String(13))
    submitted_at: Mapped[datetime] = mapped_column(default=now_utc)
    day: Mapped[date] = mapped_column(Date)  # the office's local date, for periods
    channel: Mapped[str] = mapped_column(String(10))  # CHANNELS key
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    # The finished ticket the answer is about: unique, so a ticket gets one response however often it is sent.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), unique=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    # The tablet form's one-time nonce: the same questionnaire sent twice is stored once.
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    age_band: Mapped[str | None] = mapped_column(String(8))
    sex: Mapped[str | None] = mapped_column(String(1))
    education: Mapped[str | None] = mapped_column(String(8))
    occupation: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_survey_response_day", "kelurahan_code", "day"),)
