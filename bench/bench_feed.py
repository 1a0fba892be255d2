"""The office -> city feed: initial sync, a morning's push, and what the capture triggers cost a clerk.

1. initial sync: a `flask seed-demo` office (8,000 residents, a year of tickets) pushed by `flask city-feed
   --once` to a city gunicorn (KUPANG_ROLE=city) on PostgreSQL: wall time, rows, the pusher's CPU
2. a morning: 200 resident edits and 300 tickets at the office, then pushed in-process: the push's own CPU
   (resource.getrusage of the pushing process), and the same push as a `flask city-feed --once` process
3. clerk writes with the triggers present and dropped (same run: a copy of the office database without them,
   the two taking turns write by write): a resident edit (ORM update + commit) and a ticket issue
   (issue_ticket + commit), p95 on the office's SQLite

Budgets: initial sync at most 60 s, the morning's push under 1 s of office CPU, writes at most 10 % slower.

Usage: .venv/bin/python bench/bench_feed.py [--json] [--postgres-url postgresql://postgres@127.0.0.1:5432/x]
(the city gets a database of its own on that server, dropped at the end).
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PORTS = (8230, 8249)
BUDGETS = {"initial_sync_s": 60, "morning_push_cpu_s": 1.0, "write_slowdown_pct": 10}
WRITES = 500  # of each kind on each copy


def cpu_children():
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_self():
    """CPU seconds (user + system) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def city_database(server_url):
    """(admin DSN, app URL, name) of a new PostgreSQL database for the city."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"kupang_bench_feed_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin, server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False), name


def drop_database(admin, name):
    """Drop the city's database."""
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask(env, *args, timeout=900):
    """Run a flask command for kupang; (seconds, CPU seconds, output)."""
    cpu, start = cpu_children(), time.perf_counter()
    done = subprocess.run([common.PYTHON, "-m", "flask", "--app", "app", *args], cwd=common.ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout, check=True)
    return time.perf_counter() - start, cpu_children() - cpu, done.stdout + done.stderr


def app_for(url, folder, **config):
    """A kupang app on a database (for in-process work)."""
    from kupang import create_app
    from kupang.config import normalise_database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "INSTANCE_PATH": str(folder),
                       "SECRET_KEY": "bench-secret", **config})


def pair(city_url, folder, code):
    """Pair the office at the city; its token."""
    from kupang.city.feed.pairing import pair_office
    from kupang.cli import apply_migrations
    from kupang.db import write_intent
    from kupang.extensions import db

    app = app_for(city_url, folder, ROLE="city")
    with app.app_context():
        apply_migrations()
        with write_intent():
            _office, token = pair_office(code)
            db.session.commit()
        db.engine.dispose()
    return token


def open_all_day(app):
    """The bench runs at any hour: every service takes tickets 00:00-23:59 WITA."""
    from datetime import time as clock

    from sqlalchemy import update

    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.queue.models import Service

    with app.app_context(), write_intent():
        db.session.execute(update(Service).values(opens_at=clock(0, 0), closes_at=clock(23, 59, 59)))
        db.session.commit()


def morning(app, edits=200, tickets=300):
    """A morning at the office: resident edits and tickets, each its own transaction."""
    from sqlalchemy import select

    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.queue.models import Service
    from kupang.queue.numbering import issue_ticket
    from kupang.registry.models import Resident

    with app.app_context():
        ids = db.session.scalars(select(Resident.id).order_by(Resident.id).limit(edits)).all()
        service_id = db.session.scalars(select(Service.id).where(Service.active.is_(True))).first()
        db.session.rollback()
        for n, resident_id in enumerate(ids):
            edit_resident(resident_id, f"0813{n:08d}")
        for _ in range(tickets):
            with write_intent():
                issue_ticket(db.session.get(Service, service_id))
                db.session.commit()


def edit_resident(resident_id, phone):
    """One resident edit as the form saves it: load, change, commit."""
    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.registry.models import Resident

    with write_intent():
        resident = db.session.get(Resident, resident_id)
        resident.phone = phone
        db.session.commit()


def interleaved_writes(with_triggers, without_triggers, count):
    """count resident edits and ticket issues on each office copy, one after the other, alternating who starts.

    Both copies live on the same disk and take turns write by write, so the machine's noise (fsync, other
    processes) falls on both alike. Returns {(True|False, "edit"|"issue"): [seconds]}.
    """
    from sqlalchemy import select

    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.queue.models import Service
    from kupang.queue.numbering import issue_ticket
    from kupang.registry.models import Resident

    def targets(app):
        with app.app_context():
            ids = db.session.scalars(select(Resident.id).order_by(Resident.id).offset(300).limit(count)).all()
            service_id = db.session.scalars(select(Service.id).where(Service.active.is_(True))).first()
            db.session.rollback()
        return ids, service_id

    def issue(service_id):
        with write_intent():
            issue_ticket(db.session.get(Service, service_id))
            db.session.commit()

    plan = {True: (with_triggers, *targets(with_triggers)), False: (without_triggers, *targets(without_triggers))}
    times = {(on, kind): [] for on in (True, False) for kind in ("edit", "issue")}
    for n in range(count):
        for on in ((True, False) if n % 2 == 0 else (False, True)):
            app, ids, service_id = plan[on]
            with app.app_context():
                times[(on, "edit")].append(common.timed(edit_resident, ids[n], f"0821{n:08d}")[0])
                times[(on, "issue")].append(common.timed(issue, service_id)[0])
    return times


def copy_without_triggers(app, office_dir):
    """A copy of the office database with migration 0301's triggers dropped; an app on it."""
    import shutil

    from flask_migrate import downgrade
    from sqlalchemy import text

    from kupang.extensions import db

    with app.app_context():
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
        db.engine.dispose()
    shutil.copy(office_dir / "kupang.db", office_dir / "without-triggers.db")
    copy = app_for(f"sqlite:///{office_dir}/without-triggers.db", office_dir,
                   KELURAHAN_CODE=app.config["KELURAHAN_CODE"])
    with copy.app_context():
        downgrade(directory=copy.extensions["migrate"].directory, revision="0300_city_feed")
        triggers = db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                          "AND name LIKE 'feed_%'"))
        db.session.rollback()
        db.engine.dispose()
    assert triggers == 0
    return copy


def main():
    """Run the three cases and print the tables (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("KUPANG_TEST_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    code = "53.71.05.1005"
    admin, city_url, name = city_database(args.postgres_url)
    try:
        with tempfile.TemporaryDirectory(prefix="kupang-bench-feed-") as folder:
            results = run(folder, city_url, code)
    finally:
        drop_database(admin, name)
    verdict = results["verdict"]
    verdict["within_budget"] = (verdict["initial_sync_s"] <= BUDGETS["initial_sync_s"]
                                and verdict["morning_push_cpu_s"] < BUDGETS["morning_push_cpu_s"]
                                and verdict["write_slowdown_pct"] <= BUDGETS["write_slowdown_pct"])
    common.emit(results, args.json, [("Initial sync and a morning's push (city: gunicorn 2x4 on PostgreSQL)",
                                      results["sync"], None),
                                     ("Clerk writes on the office's SQLite, triggers present vs dropped",
                                      results["writes"], None),
                                     ("Budget", [verdict], None)])
    return 0 if verdict["within_budget"] else 1


def run(folder, city_url, code):
    """Seed the office, start the city, measure; the results dict."""
    office_dir = Path(folder) / "office"
    office_dir.mkdir()
    office_url = f"sqlite:///{office_dir}/kupang.db"
    base = {"KUPANG_DATABASE_URL": office_url, "KUPANG_INSTANCE_PATH": str(office_dir),
            "KUPANG_SECRET_KEY": "bench-secret", "KUPANG_KELURAHAN": code}
    seed_s, _, _ = flask(base, "seed-demo")
    city_dir = Path(folder) / "city"
    city_dir.mkdir()
    token = pair(city_url, city_dir, code)
    port = common.free_port(*PORTS)
    env_city = {"KUPANG_DATABASE_URL": city_url, "KUPANG_INSTANCE_PATH": str(city_dir), "KUPANG_ROLE": "city",
                "KUPANG_SECRET_KEY": "bench-secret"}
    office_env = {**base, "KUPANG_CITY_URL": f"http://127.0.0.1:{port}", "KUPANG_CITY_TOKEN": token}
    app = app_for(office_url, office_dir, KELURAHAN_CODE=code, CITY_URL=office_env["KUPANG_CITY_URL"],
                  CITY_TOKEN=token)
    with app.app_context():
        from sqlalchemy import func, select

        from kupang.city.models import FeedOutbox
        from kupang.extensions import db

        rows = db.session.scalar(select(func.count()).select_from(FeedOutbox))
        db.session.rollback()
    with common.Server(port=port, env=env_city, workers=2, threads=4) as server:
        server.start(timeout=60)
        sync_s, sync_cpu, _ = flask(office_env, "city-feed", "--once")
        open_all_day(app)
        morning(app)
        with app.app_context():
            from kupang.city.feed.push import push_until_drained

            before_cpu, start = cpu_self(), time.perf_counter()
            result = push_until_drained()
            push_s, push_cpu = time.perf_counter() - start, cpu_self() - before_cpu
        morning(app)
        proc_s, proc_cpu, _ = flask(office_env, "city-feed", "--once")
    sync = [{"case": f"initial sync ({rows:,} changes, seed-demo {seed_s:.0f} s)", "seconds": round(sync_s, 1),
             "office CPU s": round(sync_cpu, 2)},
            {"case": f"morning: 200 edits + 300 tickets, in-process push ({result.status})",
             "seconds": round(push_s, 2), "office CPU s": round(push_cpu, 2)},
            {"case": "morning: the same as `flask city-feed --once` (process start included)",
             "seconds": round(proc_s, 2), "office CPU s": round(proc_cpu, 2)}]
    times = interleaved_writes(app, copy_without_triggers(app, office_dir), WRITES)
    rows_writes = [common.latency_row("resident edit, triggers present", times[(True, "edit")]),
                   common.latency_row("resident edit, triggers dropped", times[(False, "edit")]),
                   common.latency_row("ticket issue, triggers present", times[(True, "issue")]),
                   common.latency_row("ticket issue, triggers dropped", times[(False, "issue")])]
    slow_edit = 100 * (rows_writes[0]["p95 ms"] / rows_writes[1]["p95 ms"] - 1)
    slow_issue = 100 * (rows_writes[2]["p95 ms"] / rows_writes[3]["p95 ms"] - 1)
    verdict = {"initial_sync_s": round(sync_s, 1), "morning_push_cpu_s": round(push_cpu, 2),
               "edit_slowdown_pct": round(slow_edit, 1), "issue_slowdown_pct": round(slow_issue, 1),
               "write_slowdown_pct": round(max(slow_edit, slow_issue), 1)}
    return {"sync": sync, "writes": rows_writes, "verdict": verdict, "budgets": BUDGETS, "changes": rows}


if __name__ == "__main__":
    sys.exit(main())
