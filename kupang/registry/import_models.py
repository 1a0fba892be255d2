"""Import jobs: one uploaded resident file, its check, preview and (once confirmed) its application."""
import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

STATUS_LABELS = {
    "queued": "Menunggu diperiksa",
    "checking": "Sedang diperiksa",
    "ready": "Menunggu konfirmasi",
    "confirmed": "Menunggu disimpan",
    "applying": "Sedang disimpan",
    "done": "Selesai",
    "failed": "Gagal",
    "cancelled": "Dibatalkan",
}
RUNNING = frozenset({"queued", "checking", "confirmed", "applying"})
STAGE_LABELS = {
    "reading": "Membaca dan memeriksa berkas",
    "matching": "Mencocokkan dengan data penduduk",
    "writing": "Menyimpan ke basis data",
    "": "Menunggu giliran",
}


class ImportJob(db.Model):
    """One import: who uploaded what and when, where the check stands, and what it found or did."""

    __tablename__ = "import_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    file_name: Mapped[str] = mapped_column(String(255))  # as uploaded, for display only
    file_format: Mapped[str] = mapped_column(String(4))  # xlsx | csv
    file_size: Mapped[int] = mapped_column(default=0)
    stored_path: Mapped[str] = mapped_column(String(300))  # relative to instance/imports/
    status: Mapped[str] = mapped_column(String(12), default="queued")
    stage: Mapped[str] = mapped_column(String(12), default="")
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    count_rows: Mapped[int] = mapped_column(default=0)
    count_new: Mapped[int] = mapped_column(default=0)
    count_updated: Mapped[int] = mapped_column(default=0)
    count_unchanged: Mapped[int] = mapped_column(default=0)
    count_rejected: Mapped[int] = mapped_column(default=0)
    count_warnings: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str | None] = mapped_column(Text)  # preview JSON (counts, samples, issues)
    rejected_path: Mapped[str | None] = mapped_column(String(300))  # relative to instance/imports/
    issues_path: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)  # Indonesian message when the job failed
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    worker_pid: Mapped[int | None]
    heartbeat_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    finished_at: Mapped[datetime | None]

    unpacked_size = None  # measured at upload, not stored: decides inline check or worker process

    user = relationship("User", foreign_keys=[user_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    __table_args__ = (Index("ix_import_job_created", "created_at"), Index("ix_import_job_status", "status"))

    @property
    def status_label(self):
        """The status in Indonesian."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def stage_label(self):
        """The current step in Indonesian."""
        return STAGE_LABELS.get(self.stage or "", self.stage)

    @property
    def is_running(self):
        """True while a worker still has to check or apply it."""
        return self.status in RUNNING

    @property
    def percent(self):
        """Progress of the current step, 0-100."""
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def summary_data(self):
        """The preview JSON decoded ({} before the check)."""
        return json.loads(self.summary) if self.summary else {}
