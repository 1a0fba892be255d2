"""Residents, families (KK), their events and field-by-field change history."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc


class Occupation(db.Model):
    """SIAK occupation code list (reference data, loaded by migration)."""

    __tablename__ = "occupation"
    __table_args__ = {"info": {"reference": True}}
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))


class Family(db.Model):
    """A Kartu Keluarga: one KK number, one head, an address in an RT/RW."""

    __tablename__ = "family"
    id: Mapped[int] = mapped_column(primary_key=True)
    kk_number: Mapped[str] = mapped_column(String(16), unique=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", use_alter=True))
    address: Mapped[str] = mapped_column(String(200), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    kelurahan_code: Mapped[str] = mapped_column(String(13))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    members: Mapped[list["Resident"]] = relationship(
        back_populates="family", foreign_keys="Resident.family_id", order_by="Resident.shdk, Resident.birth_date"
    )
    head: Mapped["Resident | None"] = relationship(foreign_keys=[head_id], post_update=True)


class Resident(db.Model):
    """A person registered in the kelurahan. Never deleted: deaths, moves and mistakes change status or merge."""

    __tablename__ = "resident"
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL while unknown (counted as incomplete); unique when present. The app never invents one.
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[int] = mapped_column(SmallInteger)  # codes.SEX
    birth_place: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    religion: Mapped[int | None] = mapped_column(SmallInteger)  # codes.RELIGION
    marital_status: Mapped[int | None] = mapped_column(SmallInteger)  # codes.MARITAL
    shdk: Mapped[int | None] = mapped_column(SmallInteger)  # codes.SHDK
    education: Mapped[int | None] = mapped_column(SmallInteger)  # codes.EDUCATION
    occupation_code: Mapped[int | None] = mapped_column(ForeignKey("occupation.code"))
    blood_type: Mapped[int | None] = mapped_column(SmallInteger)  # codes.BLOOD_TYPE
    citizenship: Mapped[int] = mapped_column(SmallInteger, default=1)  # codes.CITIZENSHIP
    father_name: Mapped[str] = mapped_column(String(120), default="")
    mother_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    kelurahan_code: Mapped[str] = mapped_column(String(13))
    life_status: Mapped[str] = mapped_column(String(10), default="hidup")  # codes.LIFE_STATUS
    phone: Mapped[str] = mapped_column(String(20), default="")
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"))
    # Set when this record was merged into another (a duplicate); the record itself is kept.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    # True when the NIK/KK rules found a warning (old region code, sex/date differing from the NIK ...).
    has_warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic lock: a save based on an old version is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    family: Mapped[Family | None] = relationship(back_populates="members", foreign_keys=[family_id])
    occupation: Mapped[Occupation | None] = relationship()
    events: Mapped[list["ResidentEvent"]] = relationship(back_populates="resident",
                                                         order_by="ResidentEvent.event_date.desc()")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_resident_rt_rw", "rw", "rt"),
        Index("ix_resident_family", "family_id"),
        Index("ix_resident_name", "name"),
        Index("ix_resident_birth", "birth_date", "sex"),
        Index("ix_resident_status", "life_status"),
    )


class ResidentEvent(db.Model):
    """A civil event in a resident's life: birth, death, moving in or out, correction, merge."""

    __tablename__ = "resident_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # codes.EVENT_KINDS
    event_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    resident: Mapped[Resident] = relationship(back_populates="events")


class ResidentChange(db.Model):
    """One field of one resident changed: who, when, from what to what (append-only history)."""

    __tablename__ = "resident_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=now_utc)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="form")  # form, import, merge, family


class DuplicateDismissal(db.Model):
    """A suspected duplicate pair a clerk checked and found to be two people: it is not suggested again."""

    __tablename__ = "duplicate_dismissal"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The pair is stored lower id first, so (a, b) and (b, a) are one row.
    first_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    second_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    dismissed_at: Mapped[datetime] = mapped_column(default=now_utc)
    kelurahan_code: Mapped[str] = mapped_column(String(13))

    __table_args__ = (UniqueConstraint("first_id", "second_id", name="uq_duplicate_dismissal_pair"),
                      CheckConstraint("first_id < second_id", name="order"))
