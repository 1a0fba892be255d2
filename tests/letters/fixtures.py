"""Helpers the letters tests share: letter types, a signatory, residents and drafts made directly."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.issuing import create_draft
from kupang.letters.models import Letter, LetterType
from kupang.letters.seed import seed_signatory, seed_types
from tests.registry.family_fixtures import add_person, nik_for

WITA = ZoneInfo("Asia/Makassar")


def wita(year, month, day, hour=9, minute=0, second=0):
    """A WITA wall-clock time as the naive UTC the database stores."""
    return datetime(year, month, day, hour, minute, second, tzinfo=WITA).astimezone(UTC).replace(tzinfo=None)


def letters_office(app):
    """The seeded letter types and the signatory; returns ({title: type id}, signatory id)."""
    with app.app_context(), write_intent():
        types = {title: t.id for title, t in seed_types().items()}
        signatory = seed_signatory().id
        db.session.commit()
    return types, signatory


def person(app, name="Yohanes Benu Taek", serial=1, **fields):
    """A committed resident with a NIK (unless nik=None is given); returns the id."""
    born = date(1990, 3, 12)
    fields.setdefault("nik", nik_for(born, 1, serial))
    with app.app_context(), write_intent():
        resident = add_person(name, 1, born, **fields)
        db.session.commit()
        return resident.id


def draft(app, type_title, resident_id, values=None, checked=None):
    """A committed draft with every requirement ticked and demo values; returns the id."""
    with app.app_context(), write_intent():
        letter_type = db.session.scalar(select(LetterType).where(LetterType.title == type_title))
        resident = db.session.get(__import__("kupang.registry.models", fromlist=["Resident"]).Resident, resident_id)
        filled = {f["name"]: f"isi {f['name']}" for f in letter_type.fields}
        if "tanggal_meninggal" in filled:
            filled["tanggal_meninggal"] = "1 Desember 2026"
        filled.update(values or {})
        letter = create_draft(letter_type, resident, values=filled,
                              checked=letter_type.requirements if checked is None else checked, user=None)
        db.session.commit()
        return letter.id


def letter_row(app, letter_id):
    """The letter, detached (read in its own app context)."""
    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        db.session.expunge(letter)
        return letter


DOMISILI = "Surat Keterangan Domisili"
KEMATIAN = "Surat Keterangan Kematian"
UMUM = "Surat Keterangan"
