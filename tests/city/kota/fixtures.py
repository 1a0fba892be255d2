"""A small city fed the way the feed's apply feeds it: 3 offices in 2 kecamatan, one dict per office row.

Hand-counted figures (the tests compare with these):
- A 53.71.05.1005 (Kota Raja): living a1 N1, a2 -, a3 N2, a7 N8, a8 - (born 5 Nov) = 5, 3 with NIK; a4 died
  20 Oct, a5 merged, a6 moved out 10 Nov to B.
- B 53.71.05.1002 (Kota Raja): living b1 N7, b2 N8, b3 N6 (moved in 12 Nov), b4 - = 4, 3 with NIK.
- C 53.71.04.1001 (Oebobo): living c1 N2, c2 N9, c3 - = 3, 2 with NIK; c4 died 20 Nov.
- Kota Raja: 9 records, N8 twice -> 8 living, 5 with NIK. Oebobo 3, 2. City: 12 records, N8 and N2 twice
  -> 10 living, 6 with NIK (60 %).
"""
from datetime import datetime, timedelta

from kupang.city import projections
from kupang.city.models import CityOffice
from kupang.db import write_intent
from kupang.extensions import db
from kupang.timeutil import office_today

A, B, C = "53.71.05.1005", "53.71.05.1002", "53.71.04.1001"
NAMES = {A: "Naikoten Dua", B: "Naikoten Satu", C: "Oebobo"}
N1, N2, N6, N7, N8, N9 = ("5371051203900001", "5371055005850002", "5371051010800006", "5371052202910007",
                          "5371050303880008", "5371044404770009")
N4, N5 = "5371050101500004", "5371051111110005"


def resident(row_id, office, nik=None, name="", rw="001", status="hidup", sex=1, merged_into=None):
    """A fed resident row: the office's column names and JSON values."""
    return {"id": row_id, "nik": nik, "name": name or f"Warga {office[-4:]}-{row_id}", "sex": sex,
            "birth_place": "Kupang", "birth_date": "1990-03-12", "religion": 2, "marital_status": 1, "shdk": 4,
            "education": 5, "occupation_code": None, "blood_type": None, "citizenship": 1, "father_name": "",
            "mother_name": "", "address": "Jl. Contoh", "rt": "002", "rw": rw, "kelurahan_code": office,
            "life_status": status, "phone": "", "family_id": 10 + row_id, "merged_into_id": merged_into,
            "has_warnings": False, "version": 1, "created_at": "2026-01-05T01:00:00",
            "created_by_id": None, "updated_at": "2026-11-30T02:00:00", "updated_by_id": None}


def event(row_id, resident_id, kind, day):
    """A fed resident_event row."""
    return {"id": row_id, "resident_id": resident_id, "kind": kind, "event_date": day, "note": "",
            "created_at": f"{day}T03:00:00", "created_by_id": None}


def iso(moment):
    """A UTC datetime as the feed sends it."""
    return moment.isoformat()


def ticket(row_id, office, day, status, issued, called=None, started=None, finished=None, code="A-001"):
    """A fed ticket row (times as UTC datetimes)."""
    return {"id": row_id, "numbered_service_id": 1, "service_id": 1, "day": day.isoformat(), "number": row_id,
            "code": code, "priority": None, "status": status, "token": f"t{office}{row_id}",
            "issued_at": iso(issued), "called_at": called and iso(called), "started_at": started and iso(started),
            "finished_at": finished and iso(finished), "call_count": 1, "version": 1, "counter_id": None,
            "clerk_id": None, "resident_id": None, "note": "", "issued_by_device_id": None,
            "issued_by_user_id": None, "issue_nonce": None, "kelurahan_code": office}


def letter(row_id, office, title, status, issued_at):
    """A fed letter row (issued ones carry their frozen snapshot with the type's title)."""
    snapshot = None if issued_at is None else f'{{"jenis": "{title}", "blocks": []}}'
    return {"id": row_id, "type_id": 3, "resident_id": 1, "ticket_id": None, "kelurahan_code": office,
            "status": status, "values_json": "{}", "checked_json": "[]", "snapshot_json": snapshot,
            "number": None, "seq_year": None, "seq_key": None, "seq_value": None,
            "created_at": "2026-11-01T00:00:00", "created_by_id": None, "updated_at": "2026-11-01T00:00:00",
            "issued_at": issued_at and iso(issued_at), "issued_by_id": None, "valid_until": None,
            "signatory_id": None, "void_reason": None, "voided_at": None, "voided_by_id": None,
            "verify_token": f"v{office}{row_id}", "verify_count": 0, "print_count": 0, "version": 1}


def survey(row_id, office, day, answer):
    """A fed survey_response row with all nine answers the same."""
    return {"id": row_id, "kelurahan_code": office, "submitted_at": f"{day.isoformat()}T02:00:00",
            "day": day.isoformat(), "channel": "tablet", "service_id": 1, "ticket_id": None, "device_id": None,
            "nonce": None, **{f"u{n}": answer for n in range(1, 10)}, "age_band": None, "sex": None,
            "education": None, "occupation": None, "comment": ""}


def feed(app, office, table, rows):
    """Apply rows of one office's table as the feed does: project() per row, in one write transaction."""
    with app.app_context(), write_intent():
        for row in rows:
            projections.project(office, table, row["id"], row)
        db.session.commit()


def feed_delete(app, office, table, row_id):
    """Apply the office's deletion of one row."""
    with app.app_context(), write_intent():
        projections.project(office, table, row_id, None)
        db.session.commit()


def pair_offices(app):
    """The three offices as paired with the city (A pushed an hour ago, B 49 hours ago with 17 waiting, C never)."""
    from kupang.timeutil import now_utc

    with app.app_context(), write_intent():
        now = now_utc()
        db.session.add_all([
            CityOffice(code=A, name=NAMES[A], kecamatan_code=A[:8], last_push_at=now - timedelta(hours=1), waiting=0),
            CityOffice(code=B, name=NAMES[B], kecamatan_code=B[:8], last_push_at=now - timedelta(hours=49),
                       waiting=17),
            CityOffice(code=C, name=NAMES[C], kecamatan_code=C[:8], last_push_at=None, waiting=0),
        ])
        db.session.commit()


def build_city(app):
    """Pair the offices and feed their residents and events (see the module docstring)."""
    pair_offices(app)
    feed(app, A, "resident", [
        resident(1, A, N1, "Yakobus Tefa", "001"), resident(2, A, None, "Maria Lake", "001", sex=2),
        resident(3, A, N2, "Agustina Bria", "002", sex=2), resident(4, A, N4, "Paulus Nitbani", "002", "mati"),
        resident(5, A, N5, "Dobel Tefa", "001", merged_into=1), resident(6, A, N6, "Daniel Sabu", "002", "pindah"),
        resident(7, A, N8, "Stefanus Ndun", "002"), resident(8, A, None, "Bayi Tefa", "001", sex=2)])
    feed(app, A, "resident_event", [event(1, 4, "mati", "2026-10-20"), event(2, 6, "pindah_keluar", "2026-11-10"),
                                    event(3, 8, "lahir", "2026-11-05")])
    feed(app, B, "resident", [
        resident(1, B, N7, "Yohana Manu"), resident(2, B, N8, "Stefanus Ndun"), resident(3, B, N6, "Daniel Sabu"),
        resident(4, B, None, "Rosalia Kase", sex=2)])
    feed(app, B, "resident_event", [event(1, 3, "pindah_datang", "2026-11-12")])
    feed(app, C, "resident", [
        resident(1, C, N2, "Agustina Bria", sex=2), resident(2, C, N9, "Frans Benu"), resident(3, C, None, "Tanpa NIK"),
        resident(4, C, "5371040101400010", "Alm. Kornelis", status="mati")])
    feed(app, C, "resident_event", [event(1, 4, "mati", "2026-11-20")])


def build_services(app):
    """This month's tickets, survey answers and letters (and some of last month that must not count)."""
    with app.app_context():
        today = office_today()
    start = datetime.combine(today, datetime.min.time())  # 00:00 UTC = 08:00 WITA, the same local day
    minutes = lambda n: start + timedelta(minutes=n)  # noqa: E731
    last_month = today.replace(day=1) - timedelta(days=3)
    old = datetime.combine(last_month, datetime.min.time())
    feed(app, A, "ticket", [
        ticket(1, A, today, "done", minutes(0), minutes(10), minutes(11), minutes(21)),
        ticket(2, A, today, "done", minutes(0), minutes(20), minutes(20), minutes(40)),
        ticket(3, A, today, "no_show", minutes(5), minutes(15)),
        ticket(4, A, today, "waiting", minutes(60)),
        ticket(5, A, last_month, "done", old, old + timedelta(hours=2), old + timedelta(hours=2),
               old + timedelta(hours=3))])
    feed(app, C, "ticket", [ticket(1, C, today, "done", minutes(0), minutes(5), minutes(5), minutes(10))])
    feed(app, A, "survey_response", [survey(1, A, today, 4), survey(2, A, today, 3), survey(3, A, last_month, 1)])
    feed(app, C, "survey_response", [survey(1, C, today, 4)])
    feed(app, A, "letter", [
        letter(1, A, "Surat Keterangan Domisili", "issued", minutes(60)),
        letter(2, A, "Surat Keterangan Domisili", "issued", minutes(70)),
        letter(3, A, "Surat Keterangan Domisili", "void", minutes(80)),
        letter(4, A, "Surat Keterangan Domisili", "draft", None),
        letter(5, A, "Surat Keterangan Domisili", "issued", old)])
    feed(app, C, "letter", [letter(1, C, "Surat Keterangan Tidak Mampu", "issued", minutes(30))])
    return today
