"""Projectors: each applied change of a fed row upserts (or deletes) its reduced copy in a city report table.

Called by the feed's apply inside its transaction (kupang/city/projections.py). A projector only writes the
row the change names, keyed (office_code, row_id), so applying the same change twice leaves the same rows.
"""
import json
from datetime import UTC, date, datetime

from sqlalchemy import delete, update

from ...db import dialect_insert
from ...extensions import db
from ..projections import projector
from . import aggregates
from .models import CityLetter, CityResident, CityResidentEvent, CitySurvey, CityTicket

ANSWERS = tuple(f"u{n}" for n in range(1, 10))


def parse_day(value):
    """A fed date ('YYYY-MM-DD'; a datetime's date part is accepted), or None."""
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def parse_instant(value):
    """A fed datetime (ISO, UTC; an offset is converted) as the naive UTC the app stores, or None."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def seconds(start, end):
    """Seconds from start to end (never negative: a clock set back), or None when either is missing."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def _small(value):
    """A code (1-4, a sex) as int, or None for anything else."""
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


def upsert(model, office_code, row_id, values):
    """Insert the projected row or overwrite it: one statement, the same result however often it runs."""
    table = model.__table__
    stmt = dialect_insert(table).values(office_code=office_code, row_id=row_id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.office_code, table.c.row_id],
                                                  set_=values))


def remove(model, office_code, row_id):
    """The office deleted the row: drop its projection (nothing happens when it is already gone)."""
    db.session.execute(delete(model).where(model.office_code == office_code, model.row_id == row_id))


def project_into(model, reduce):
    """A projector for one table: reduce(data) gives the columns; a None change deletes."""

    def apply(office_code, row_id, data):
        if data is None:
            remove(model, office_code, row_id)
        else:
            upsert(model, office_code, row_id, reduce(office_code, data))

    apply.__doc__ = f"Keep {model.__tablename__} in step with one fed change."
    return apply


def resident_columns(office_code, data):
    """The city_resident columns of a fed resident row."""
    return {
        "kecamatan_code": office_code[:8],
        "kelurahan_code": data.get("kelurahan_code") or office_code,
        "nik": data.get("nik") or None,
        "name": (data.get("name") or "")[:120],
        "sex": _small(data.get("sex")),
        "birth_date": parse_day(data.get("birth_date")),
        "rt": (data.get("rt") or "")[:3],
        "rw": (data.get("rw") or "")[:3],
        "life_status": data.get("life_status") or "hidup",
        "merged": data.get("merged_into_id") is not None,
        "family_id": data.get("family_id"),
        "updated_at": parse_instant(data.get("updated_at")),
    }


def event_columns(office_code, data):
    """The city_resident_event columns of a fed resident_event row, with its resident's state when known."""
    state = aggregates.old_state(office_code, data["resident_id"]) or {"sex": None, "life_status": None,
                                                                        "merged": False}
    return {"resident_row_id": data["resident_id"], "kind": data.get("kind") or "",
            "event_date": parse_day(data.get("event_date")), "sex": state["sex"],
            "life_status": state["life_status"], "merged": state["merged"]}


def ticket_columns(_office_code, data):
    """The city_ticket columns: the day, the number's letter, the status and the wait and service seconds."""
    issued, called = parse_instant(data.get("issued_at")), parse_instant(data.get("called_at"))
    started, finished = parse_instant(data.get("started_at")), parse_instant(data.get("finished_at"))
    status = data.get("status") or "waiting"
    return {"day": parse_day(data.get("day")), "prefix": (data.get("code") or "").partition("-")[0][:8],
            "status": status, "wait_seconds": seconds(issued, called),
            "service_seconds": seconds(started, finished) if status == "done" else None}


def letter_title(data):
    """The type title frozen in an issued letter's snapshot ('jenis'); for a draft, its type id."""
    try:
        snapshot = json.loads(data.get("snapshot_json") or "{}")
    except (TypeError, ValueError):
        snapshot = {}
    title = snapshot.get("jenis") if isinstance(snapshot, dict) else None
    return (title or f"Jenis surat #{data.get('type_id')}")[:120]


def letter_columns(_office_code, data):
    """The city_letter columns: type title, status, issue time."""
    return {"type_title": letter_title(data), "status": data.get("status") or "draft",
            "issued_at": parse_instant(data.get("issued_at"))}


def survey_columns(_office_code, data):
    """The city_survey columns: the day and the nine answers."""
    return {"day": parse_day(data.get("day")), **{key: _small(data.get(key)) for key in ANSWERS}}


@projector("resident")
def project_resident(office_code, row_id, data):
    """Keep city_resident, the completeness counts and the shared NIKs in step with one fed resident change."""
    old = aggregates.old_state(office_code, row_id)
    if data is None:
        remove(CityResident, office_code, row_id)
        new = None
    else:
        columns = resident_columns(office_code, data)
        upsert(CityResident, office_code, row_id, columns)
        new = {key: columns[key] for key in ("nik", "rw", "sex", "life_status", "merged")}
    aggregates.apply_change(office_code, old, new)
    state = new or {"sex": None, "life_status": None, "merged": False}
    db.session.execute(update(CityResidentEvent)
                       .where(CityResidentEvent.office_code == office_code,
                              CityResidentEvent.resident_row_id == row_id)
                       .values(sex=state["sex"], life_status=state["life_status"], merged=state["merged"]))

projector("resident_event")(project_into(CityResidentEvent, event_columns))
projector("ticket")(project_into(CityTicket, ticket_columns))
projector("letter")(project_into(CityLetter, letter_columns))
projector("survey_response")(project_into(CitySurvey, survey_columns))
