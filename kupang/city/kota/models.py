"""The city's report tables: each fed row reduced to what the /kota pages count, kept by the projectors.

Every table is keyed like the feed (office_code, row_id): the office's kelurahan code and its own id, so
ids of different offices never collide and applying a change twice writes the same row.
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db


class CityResident(db.Model):
    """A resident of one office as the city counts it: NIK, area, status (no address, phone or parents)."""

    __tablename__ = "city_resident"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kecamatan_code: Mapped[str] = mapped_column(String(8))  # the office's kecamatan, 53.71.05
    kelurahan_code: Mapped[str] = mapped_column(String(13))  # as the office recorded it
    nik: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120), default="")
    sex: Mapped[int | None] = mapped_column(SmallInteger)
    birth_date: Mapped[date | None] = mapped_column(Date)
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    life_status: Mapped[str] = mapped_column(String(10), default="hidup")
    merged: Mapped[bool] = mapped_column(Boolean, default=False)  # merged_into_id not null at the office
    family_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_city_resident_nik", "nik", "life_status"),
        Index("ix_city_resident_office_rw", "office_code", "rw"),
    )


class CityResidentEvent(db.Model):
    """A civil event of an office's resident: its kind and date (births, deaths, moves), and the resident's state.

    sex, life_status and merged are the resident's, copied by the projectors (the event's when it arrives, the
    resident's whenever it changes): the monthly report reads events without a join over every resident.
    life_status is None while the resident is not (or no longer) at the city.
    """

    __tablename__ = "city_resident_event"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    resident_row_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[int | None] = mapped_column(SmallInteger)
    life_status: Mapped[str | None] = mapped_column(String(10))
    merged: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_city_resident_event_resident", "office_code", "resident_row_id"),
        Index("ix_city_resident_event_kind", "kind", "event_date"),
    )


class CityTicket(db.Model):
    """A queue ticket reduced to what the queue figures need: day, service prefix, status, times in seconds."""

    __tablename__ = "city_ticket"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(8), default="")  # the letter of its number, "A" of A-012
    status: Mapped[str] = mapped_column(String(10))
    wait_seconds: Mapped[float | None] = mapped_column(Float)  # number taken -> (last) call
    service_seconds: Mapped[float | None] = mapped_column(Float)  # start of service -> done

    __table_args__ = (Index("ix_city_ticket_day", "day", "office_code"),)


class CityLetter(db.Model):
    """A letter: its type's title (frozen at issue), when it was issued and its status."""

    __tablename__ = "city_letter"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type_title: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime | None]  # UTC

    __table_args__ = (Index("ix_city_letter_issued", "issued_at", "office_code"),)


class CitySurvey(db.Model):
    """One SKM questionnaire: its local day and the nine answers (1-4), nothing else."""

    __tablename__ = "city_survey"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    row_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date)
    u1: Mapped[int | None] = mapped_column(SmallInteger)
    u2: Mapped[int | None] = mapped_column(SmallInteger)
    u3: Mapped[int | None] = mapped_column(SmallInteger)
    u4: Mapped[int | None] = mapped_column(SmallInteger)
    u5: Mapped[int | None] = mapped_column(SmallInteger)
    u6: Mapped[int | None] = mapped_column(SmallInteger)
    u7: Mapped[int | None] = mapped_column(SmallInteger)
    u8: Mapped[int | None] = mapped_column(SmallInteger)
    u9: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (Index("ix_city_survey_day", "day", "office_code"),)


class CityAreaCount(db.Model):
    """Pre-counted completeness: living (hidup, not merged) residents and those with a NIK, per office, RW, sex.

    Kept by the resident projector from each change's old and new state (a change applied twice moves
    nothing), so the /kota pages sum ~600 rows instead of scanning 400,000 residents.
    """

    __tablename__ = "city_area_count"
    office_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    rw: Mapped[str] = mapped_column(String(3), primary_key=True)
    sex: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)  # 0: not recorded
    living: Mapped[int] = mapped_column(default=0)
    with_nik: Mapped[int] = mapped_column(default=0)


class CitySharedNik(db.Model):
    """A NIK held by two or more living records (of different offices): the only NIKs counted once per level."""

    __tablename__ = "city_shared_nik"
    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    records: Mapped[int] = mapped_column(default=2)
