"""What the reports keep themselves: a daily snapshot of NIK completeness (history the registry does not hold)."""
from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc


class NikSnapshot(db.Model):
    """Living residents and how many have a NIK, once per office and local day (written by a job, never a GET)."""

    __tablename__ = "nik_snapshot"
    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(String(13))
    day: Mapped[date] = mapped_column(Date)
    residents: Mapped[int]
    with_nik: Mapped[int]
    with_warnings: Mapped[int] = mapped_column(default=0)
    taken_at: Mapped[datetime] = mapped_column(default=now_utc)

    __table_args__ = (UniqueConstraint("kelurahan_code", "day", name="uq_nik_snapshot_day"),)

    @property
    def percent(self):
        """Share with a NIK, 0-100."""
        return 100.0 if not self.residents else 100.0 * self.with_nik / self.residents
