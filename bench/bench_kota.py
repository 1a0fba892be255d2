"""Benchmark: the city's /kota pages on PostgreSQL at city scale, cold (first request of a fresh gunicorn) and warm.

    .venv/bin/python bench/bench_kota.py [--url postgresql://postgres@127.0.0.1:5432/test_kota]
                                         [--offices 51] [--residents 8000] [--repeat 20] [--refill] [--json]

Fills (once, then reused while the counts match; --refill rebuilds) a PostgreSQL city with bulk Core inserts
straight into the projection tables and city_office: 51 offices in the six kecamatan x 8,000 residents (about
8 % without NIK, 4 % dead, 3 % moved out, some merged, 0.5 % registered active in a second kelurahan), a year
of births, deaths and moves (moves out joined by NIK to the new office), and two months of tickets, letters
and survey answers per office. Then, in the same run:
- baseline: GET /healthz through the same gunicorn (p95 of --repeat);
- each /kota page as the first request of a freshly started gunicorn with ROLE=city (cold; target <= 1 s),
  then --repeat more requests (warm p95), logged in as a city-wide supervisor.
Ports 8160-8179 on 127.0.0.1; bounded by --repeat and the server start timeouts.
"""
import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, Server, emit, free_port, summary  # noqa: E402

PORTS = (8160, 8179)
MOVER_IDS = 900_000  # row ids of the records new offices hold of people who moved in
PASSWORD = "Bench-Kota-2026"
USER = "walikota"
# Kelurahan per kecamatan in Kota Kupang (51 in all).
KELURAHAN_PER_KECAMATAN = {"53.71.01": 12, "53.71.02": 9, "53.71.03": 5, "53.71.04": 7, "53.71.05": 8,
                           "53.71.06": 10}
PAGES = [
    ("NIK completeness + sync (city)", "/kota"),
    ("kecamatan drill-down (Oebobo)", "/kota/kecamatan/53.71.04"),
    ("kelurahan drill-down (RW)", "/kota/kelurahan/53.71.04.1001"),
    ("monthly population (city)", "/kota/penduduk"),
    ("monthly population (one kecamatan)", "/kota/penduduk?kecamatan=53.71.05"),
    ("queue per office, this month", "/kota/antrian"),
    ("SKM per office, this month", "/kota/skm"),
    ("letters per type per office", "/kota/surat"),
    ("registered in two kelurahan", "/kota/dua-kelurahan"),
    ("moves between kelurahan", "/kota/pindah"),
]
APP_MODULE = '''"""The kupang app as the city server (the benchmark's ROLE=city)."""
from kupang import create_app

app = create_app({"ROLE": "city"})
'''


def office_codes(count):
    """`count` kelurahan codes spread over the six kecamatan as in Kota Kupang."""
    codes = [f"{kec}.{1000 + n + 1}" for kec, many in KELURAHAN_PER_KECAMATAN.items() for n in range(many)]
    return codes[:count]


def city_app(url):
    """The city app in this process (to migrate, add the user and fill the tables)."""
    from kupang import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "ROLE": "city", "SECRET_KEY": "bench-secret",
                       "INSTANCE_PATH": instance_dir()})


def instance_dir():
    """A private instance folder for the benchmark's app and gunicorn."""
    path = os.path.join(tempfile.gettempdir(), "kupang-bench-kota-instance")
    os.makedirs(path, exist_ok=True)
    return path


def nik_of(office_index, number):
    """A unique 16-digit NIK for the office's n-th resident."""
    return f"5371{office_index:02d}{number:010d}"


def resident_rows(rng, index, code, residents, offices):
    """(city_resident rows, the office's moved-out NIKs) for one office."""
    rows, moved = [], []
    for n in range(1, residents + 1):
        roll = rng.random()
        status = "mati" if roll < 0.04 else "pindah" if roll < 0.07 else "hidup"
        nik = None if rng.random() < 0.08 else nik_of(index, n)
        if status == "hidup" and nik and rng.random() < 0.005:
            other = rng.randrange(len(offices))  # the same person still active in another office
            nik = nik_of(other, rng.randrange(1, residents + 1)) if other != index else nik
        if status == "pindah" and nik:
            moved.append((n, nik))
        rows.append({"office_code": code, "row_id": n, "kecamatan_code": code[:8], "kelurahan_code": code, "nik": nik,
                     "name": f"Warga {index}-{n}", "sex": 1 + (n % 2), "birth_date": date(1950, 1, 1)
                     + timedelta(days=rng.randrange(25000)), "rt": f"{1 + n % 9:03d}",
                     "rw": f"{1 + n % 12:03d}", "life_status": status, "merged": rng.random() < 0.005,
                     "family_id": n // 4, "updated_at": datetime(2026, 11, 1)})
    return rows, moved


def event_rows(rng, code, people, moved, today):
    """A year of births, deaths, moves in and out for one office (moves out: the moved-out residents), each with
    its resident's state as the projectors copy it."""
    rows, row_id = [], 0
    residents = len(people)
    first = today - timedelta(days=365)
    for resident_id, _nik in moved:
        row_id += 1
        rows.append({"office_code": code, "row_id": row_id, "resident_row_id": resident_id, "kind": "pindah_keluar",
                     "event_date": first + timedelta(days=rng.randrange(365))})
    for kind, many in (("lahir", 120), ("mati", 60), ("pindah_datang", 90)):
        for _ in range(many):
            row_id += 1
            rows.append({"office_code": code, "row_id": row_id, "resident_row_id": rng.randrange(1, residents + 1),
                         "kind": kind, "event_date": first + timedelta(days=rng.randrange(365))})
    for row in rows:
        person = people[row["resident_row_id"] - 1]
        row.update(sex=person["sex"], life_status=person["life_status"], merged=person["merged"])
    return rows


def service_rows(rng, code, today):
    """Two months of tickets, letters and survey answers of one office."""
    tickets, letters, surveys = [], [], []
    day = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    while day <= today:
        if day.weekday() < 5:
            for _ in range(60):
                wait = rng.uniform(60, 3600)
                status = rng.choices(["done", "no_show", "expired"], [90, 7, 3])[0]
                tickets.append({"office_code": code, "row_id": len(tickets) + 1, "day": day,
                                "prefix": rng.choice("ABCD"), "status": status,
                                "wait_seconds": wait if status != "expired" else None,
                                "service_seconds": rng.uniform(120, 1200) if status == "done" else None})
            for _ in range(15):
                letters.append({"office_code": code, "row_id": len(letters) + 1,
                                "type_title": rng.choice(["Surat Keterangan Domisili", "SKTM", "Surat Keterangan "
                                                          "Usaha", "Pengantar KTP", "Surat Keterangan Kelahiran"]),
                                "status": "void" if rng.random() < 0.03 else "issued",
                                "issued_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=2)})
            for _ in range(20):
                surveys.append({"office_code": code, "row_id": len(surveys) + 1, "day": day,
                                **{f"u{k}": rng.choice((2, 3, 3, 4, 4)) for k in range(1, 10)}})
        day += timedelta(days=1)
    return tickets, letters, surveys


def fill(url, offices, residents, refill):
    """Migrate and fill the city (unless it already holds the same number of residents); returns seconds or None."""
    from sqlalchemy import delete, func, insert, select

    from kupang.auth.accounts import create_user
    from kupang.auth.models import find_user
    from kupang.city.kota.models import (
        CityAreaCount,
        CityLetter,
        CityResident,
        CityResidentEvent,
        CitySharedNik,
        CitySurvey,
        CityTicket,
    )
    from kupang.city.models import CityOffice
    from kupang.cli import apply_migrations
    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.timeutil import now_utc, office_today

    app = city_app(url)
    with app.app_context(), write_intent():
        apply_migrations()
        if find_user(USER) is None:
            create_user(USER, "supervisor", PASSWORD, full_name="Supervisor Kota", must_change=False)
            db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(CityResident).where(CityResident.row_id < MOVER_IDS))
        if have == offices * residents and not refill:
            return None
        start = time.perf_counter()
        models = (CityResident, CityResidentEvent, CityTicket, CityLetter, CitySurvey, CityOffice, CityAreaCount,
                  CitySharedNik)
        for model in models:
            db.session.execute(delete(model))
        db.session.commit()
        rng, today, now = random.Random(2026), office_today(), now_utc()
        codes = office_codes(offices)
        with db.engine.begin() as conn:
            conn.execute(insert(CityOffice), [
                {"code": code, "name": f"Kelurahan {code[-4:]} ({code[:8]})", "kecamatan_code": code[:8],
                 "paired_at": now - timedelta(days=60), "applied_seq": 1000,
                 "last_push_at": None if i % 17 == 5 else now - timedelta(hours=rng.choice((0.1, 1, 3, 30))),
                 "waiting": rng.choice((0, 0, 0, 12, 340))} for i, code in enumerate(codes)])
        for index, code in enumerate(codes):
            people, moved = resident_rows(rng, index, code, residents, codes)
            tickets, letters, surveys = service_rows(rng, code, today)
            with db.engine.begin() as conn:
                for model, rows in ((CityResident, people), (CityResidentEvent,
                                                             event_rows(rng, code, people, moved, today)),
                                    (CityTicket, tickets), (CityLetter, letters), (CitySurvey, surveys)):
                    for at in range(0, len(rows), 5000):
                        conn.execute(insert(model), rows[at:at + 5000])
            moved_niks = [nik for _n, nik in moved[:40]]
            target = codes[(index + 1) % len(codes)]
            if moved_niks:  # the new office's record of some who moved out: the moves list joins them by NIK
                with db.engine.begin() as conn:
                    conn.execute(insert(CityResident), [
                        {**people[0], "office_code": target, "row_id": MOVER_IDS + index * 100 + k,
                         "kecamatan_code": target[:8], "kelurahan_code": target, "nik": nik, "life_status": "hidup",
                         "merged": False, "name": f"Pendatang {index}-{k}"} for k, nik in enumerate(moved_niks)])
        from kupang.city.kota import aggregates

        aggregates.recount()  # the projector keeps these per change; a bulk load counts them once
        db.session.commit()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return time.perf_counter() - start


def logged_in(port):
    """A client logged in as the city-wide supervisor."""
    client = Client(port)
    status = client.login(USER, PASSWORD)
    if status != 302:
        raise RuntimeError(f"login failed with HTTP {status}")
    return client


def fetch(client, url):
    """GET a page that must answer 200; seconds."""
    start = time.perf_counter()
    code, _headers, _body, _wire = client.get(url)
    if code != 200:
        raise RuntimeError(f"{url}: HTTP {code}")
    return time.perf_counter() - start


def server_env(url):
    """gunicorn's environment: the city app on the benchmark's database."""
    return {"KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": instance_dir(), "KUPANG_SECRET_KEY": "bench-secret"}


def measure(url, times, folder):
    """(rows): /healthz baseline, then every page cold on a fresh gunicorn and warm p95 after it."""
    rows = []
    for name, path in [("baseline: GET /healthz", "/healthz")] + PAGES:
        port = free_port(*PORTS)
        with Server(app="kota_bench_app:app", port=port, env=server_env(url), cwd=folder) as server:
            server.start(timeout=120)
            client = logged_in(port)
            try:
                cold = fetch(client, path)
                warm = [fetch(client, path) for _ in range(times)]
            except (RuntimeError, OSError) as error:
                rows.append({"page": name, "cold_ms": None, "error": str(error)})
                continue
            finally:
                client.close()
        stats = summary(warm)
        rows.append({"page": name, "cold_ms": round(cold * 1000, 1), "warm_p50_ms": stats["median"],
                     "warm_p95_ms": stats["p95"], "warm_max_ms": stats["max"], "n": stats["n"],
                     "ok": None if path == "/healthz" else cold <= 1.0 and stats["p95"] <= 1000})
    return rows


def facts(url):
    """Row counts of the filled tables."""
    from sqlalchemy import func, select

    from kupang.city.kota.models import CityLetter, CityResident, CityResidentEvent, CitySurvey, CityTicket
    from kupang.city.models import CityOffice
    from kupang.extensions import db

    app = city_app(url)
    with app.app_context():
        found = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                 for model in (CityOffice, CityResident, CityResidentEvent, CityTicket, CityLetter, CitySurvey)}
        from kupang.city.kota import persons

        found["two_kelurahan_pairs"] = len(persons.shared_pairs())
        db.session.remove()
        db.engine.dispose()
    return found


def main():
    """Parse options, fill or reuse the city, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("KUPANG_BENCH_POSTGRES_URL",
                                                        "postgresql://postgres@127.0.0.1:5432/test_kota"))
    parser.add_argument("--offices", type=int, default=51)
    parser.add_argument("--residents", type=int, default=8000, help="per office")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from kupang.config import normalise_database_url

    url = normalise_database_url(args.url)
    times = max(3, min(args.repeat, 100))
    seeded = fill(url, max(1, min(args.offices, 51)), max(1, min(args.residents, 20000)), args.refill)
    folder = Path(tempfile.mkdtemp(prefix="kupang-bench-kota-"))
    (folder / "kota_bench_app.py").write_text(APP_MODULE)
    rows = measure(url, times, folder)
    data = {**facts(url), "fill_seconds": seeded and round(seeded, 1), "repeat": times,
            "load_average": os.getloadavg()[0]}
    emit({**data, "pages": rows}, args.json, [
        ("/kota on PostgreSQL at city scale: cold = first request of a fresh gunicorn (ms); target <= 1000", rows,
         ["page", "cold_ms", "warm_p50_ms", "warm_p95_ms", "warm_max_ms", "n", "ok"]),
        ("Data", [{"fact": k, "value": v} for k, v in data.items()], ["fact", "value"]),
    ])


if __name__ == "__main__":
    main()
