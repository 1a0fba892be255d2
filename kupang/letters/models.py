"""Letters: letter types with their templates, signatories, numbered letters and their sequences."""
import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc

LETTER_STATUS = {"draft": "Draf", "issued": "Terbit", "void": "Dibatalkan"}
# Who a letter of the type may be made for: a living resident (most), a dead one (kematian), anyone.
RESIDENT_RULES = {"hidup": "Penduduk hidup (belum pindah)", "mati": "Penduduk berstatus meninggal",
                  "semua": "Semua status"}
FIELD_KINDS = {"teks": "Teks satu baris", "paragraf": "Paragraf", "tanggal": "Tanggal"}


class LetterType(db.Model):
    """A kind of letter the office issues: its number code, fields, requirements and text blocks."""

    __tablename__ = "letter_type"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(20))  # kode klasifikasi arsip, e.g. "470"
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    needs_nik: Mapped[bool] = mapped_column(Boolean, default=True)
    resident_rule: Mapped[str] = mapped_column(String(10), default="hidup")  # RESIDENT_RULES key
    validity_days: Mapped[int | None]  # None: no end date
    fields_json: Mapped[str] = mapped_column(Text, default="[]")  # [{name, label, kind, required}]
    requirements_json: Mapped[str] = mapped_column(Text, default="[]")  # ["Surat pengantar RT/RW", ...]
    opening: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    @property
    def fields(self):
        """The extra fields the type asks for, as dicts."""
        return json.loads(self.fields_json or "[]")

    @property
    def requirements(self):
        """The requirements (persyaratan) the clerk ticks, as a list of text."""
        return json.loads(self.requirements_json or "[]")


class Signatory(db.Model):
    """Someone who signs letters: the lurah, the secretary, an acting official."""

    __tablename__ = "signatory"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    nip: Mapped[str] = mapped_column(String(30), default="")
    position: Mapped[str] = mapped_column(String(120))  # "Lurah Naikoten Dua"
    prefix: Mapped[str] = mapped_column(String(20), default="")  # "", "a.n.", "Plh.", "Plt."
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LetterSequence(db.Model):
    """The last number given in one numbering sequence (a code, or the whole office) of one WITA year."""

    __tablename__ = "letter_sequence"
    year: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), primary_key=True)  # a kode klasifikasi, or "*" office-wide
    last_value: Mapped[int] = mapped_column(default=0)
    last_issued_at: Mapped[datetime | None]


class Letter(db.Model):
    """A letter for a resident: a draft, then issued (numbered and frozen), perhaps voided later."""

    __tablename__ = "letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("letter_type.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    kelurahan_code: Mapped[str] = mapped_column(String(13))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # LETTER_STATUS key
    values_json: Mapped[str] = mapped_column(Text, default="{}")  # the type's extra fields as filled in
    checked_json: Mapped[str] = mapped_column(Text, default="[]")  # requirements the clerk ticked
    snapshot_json: Mapped[str | None] = mapped_column(Text)  # text, resident, office, signatory at issue
    number: Mapped[str | None] = mapped_column(String(80))
    seq_year: Mapped[int | None]
    seq_key: Mapped[str | None] = mapped_column(String(20))
    seq_value: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    issued_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    valid_until: Mapped[datetime | None]  # UTC end of the last valid WITA day
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("signatory.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verify_token: Mapped[str] = mapped_column(String(43), unique=True)
    verify_count: Mapped[int] = mapped_column(default=0)
    print_count: Mapped[int] = mapped_column(default=0)
    # Bumped by every change; issuing and voiding require the version the clerk saw (no double submit).
    version: Mapped[int] = mapped_column(default=0)

    type: Mapped[LetterType] = relationship()
    signatory: Mapped[Signatory | None] = relationship()

    __table_args__ = (
        UniqueConstraint("kelurahan_code", "seq_year", "seq_key", "seq_value", name="uq_letter_sequence_value"),
        Index("ix_letter_issued", "kelurahan_code", "issued_at"),
    )

    @property
    def values(self):
        """The extra field values."""
        return json.loads(self.values_json or "{}")

    @property
    def checked(self):
        """The ticked requirements."""
        return json.loads(self.checked_json or "[]")

    @property
    def snapshot(self):
        """What was frozen at issue (empty for a draft)."""
        return json.loads(self.snapshot_json) if self.snapshot_json else {}
