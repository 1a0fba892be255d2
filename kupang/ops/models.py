"""Operations records: one row per backup run (scheduled, at start, by an admin, or from the CLI)."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now_utc

RUN_STATUS = {"queued": "Menunggu", "running": "Berjalan", "ok": "Berhasil", "failed": "Gagal"}
TRIGGERS = {"manual": "Cadangkan sekarang", "timer": "Jadwal harian", "start": "Saat aplikasi mulai",
            "cli": "Perintah baris", "update": "Sebelum pembaruan"}
STAGES = {"": "Menunggu giliran", "copy": "Menyalin basis data", "check": "Memeriksa salinan",
          "encrypt": "Memampatkan dan mengenkripsi", "rotate": "Merapikan cadangan lama"}


class BackupRun(db.Model):
    """One backup: when, why, where it went, how big, and how it ended."""

    __tablename__ = "backup_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="queued")  # RUN_STATUS key
    trigger: Mapped[str] = mapped_column(String(10), default="cli")  # TRIGGERS key
    stage: Mapped[str] = mapped_column(String(10), default="")  # STAGES key
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int] = mapped_column(BigInteger, default=0)
    folder: Mapped[str] = mapped_column(String(500), default="")
    file_name: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)  # Indonesian message when it failed
    pid: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (Index("ix_backup_run_status_finished", "status", "finished_at"),)

    @property
    def status_label(self):
        """The status in Indonesian."""
        return RUN_STATUS.get(self.status, self.status)

    @property
    def trigger_label(self):
        """What started the run, in Indonesian."""
        return TRIGGERS.get(self.trigger, self.trigger)

    @property
    def stage_label(self):
        """The current step in Indonesian."""
        return STAGES.get(self.stage or "", self.stage)

    @property
    def percent(self):
        """Progress of the current step, 0-100."""
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
