"""The append-only audit log: who did what to which object, when and from where."""
import json
import re
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import now_utc


class AuditLog(db.Model):
    """One audited action. Rows are only ever inserted; triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    @property
    def detail_data(self):
        """The detail JSON decoded, or {} when empty."""
        return json.loads(self.detail) if self.detail else {}


# A 16-digit run (spaces, dots or dashes allowed between digits, as people type them) is a NIK or KK.
NUMBER_RUN = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){15}(?!\d)")


def _mask_run(match):
    digits = re.sub(r"\D", "", match.group())
    return digits[:6] + "******" + digits[12:]


def mask_numbers(value):
    """Every NIK/KK-like number inside a detail value masked (537105******0001), in strings, lists and dicts."""
    if isinstance(value, str):
        return NUMBER_RUN.sub(_mask_run, value)
    if isinstance(value, dict):
        return {key: mask_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_numbers(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) == 16:
        return mask_numbers(str(value))
    return value


def record(action, object_type=None, object_id=None, user=None, username=None, **detail):
    """Add an audit row to the current session; it is committed with the action it describes.

    NIK and KK numbers in the detail (filters, searched text ...) are stored masked: the log is read by many.
    """
    actor = user
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    entry = AuditLog(
        at=now_utc(),
        user_id=getattr(actor, "id", None),
        username=username or getattr(actor, "username", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=request.remote_addr if has_request_context() else None,
        detail=json.dumps(mask_numbers(detail), ensure_ascii=False, default=_masked_text, sort_keys=True)
        if detail else None,
    )
    db.session.add(entry)
    return entry


def _masked_text(value):
    """JSON fallback for other values (dates, ids): their text, numbers masked."""
    return mask_numbers(str(value))


# Actions shown in Indonesian on audit pages.
ACTION_LABELS = {
    "login": "Masuk",
    "login_failed": "Gagal masuk",
    "login_throttled": "Masuk ditolak (terlalu banyak percobaan)",
    "logout": "Keluar",
    "logout_everywhere": "Keluar dari semua perangkat",
    "password_changed": "Ganti kata sandi",
    "user_created": "Pengguna dibuat",
    "user_role_changed": "Peran pengguna diubah",
    "user_deactivated": "Pengguna dinonaktifkan",
    "user_reactivated": "Pengguna diaktifkan kembali",
    "user_password_reset": "Kata sandi pengguna direset",
    "totp_enabled": "Verifikasi dua langkah diaktifkan",
    "totp_disabled": "Verifikasi dua langkah dimatikan",
    "totp_failed": "Kode verifikasi salah",
    "totp_enrol_code_created": "Kode pendaftaran verifikasi dua langkah dibuat",
    "setting_changed": "Pengaturan diubah",
    "resident_viewed": "Data penduduk dibuka",
    "resident_nik_revealed": "NIK/KK penduduk ditampilkan",
    "resident_created": "Penduduk ditambahkan",
    "resident_updated": "Data penduduk diubah",
    "resident_event": "Peristiwa penduduk dicatat",
    "queue_resident_linked": "Penduduk dihubungkan ke nomor antrian yang dilayani",
    "queue_ticket_called": "Nomor antrian dipanggil ke loket",
    "queue_ticket_recalled": "Nomor antrian dipanggil ulang",
    "queue_service_started": "Mulai melayani nomor antrian",
    "queue_ticket_finished": "Nomor antrian selesai dilayani",
    "queue_ticket_no_show": "Nomor antrian ditandai tidak hadir",
    "queue_ticket_transferred": "Nomor antrian dialihkan ke layanan lain",
    "queue_ticket_returned": "Nomor antrian dikembalikan ke antrian",
    "service_created": "Layanan antrian ditambahkan",
    "service_changed": "Layanan antrian diubah",
    "counter_created": "Loket ditambahkan",
    "counter_changed": "Loket diubah",
    "device_created": "Perangkat antrian dibuat",
    "device_code_renewed": "Kode pemasangan perangkat dibuat ulang",
    "device_paired": "Perangkat antrian dipasangkan",
    "device_revoked": "Perangkat antrian dicabut",
    "family_viewed": "Membuka data keluarga (KK)",
    "resident_merged": "Data penduduk ganda digabungkan",
    "import_uploaded": "Berkas impor penduduk diunggah",
    "import_confirmed": "Impor penduduk dikonfirmasi",
    "import_cancelled": "Impor penduduk dibatalkan",
    "residents_imported": "Penduduk diimpor",
    "import_rejected_downloaded": "Baris impor yang ditolak diunduh",
    "residents_exported": "Data penduduk diekspor",
    "city_residents_listed": "Daftar penduduk antar kelurahan dibuka (kota)",
}
