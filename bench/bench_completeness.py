"""Benchmark: the completeness page and the duplicate scan on 450,000 residents, vs a bare COUNT(*).

    .venv/bin/python bench/bench_completeness.py [--residents 450000] [--repeat 7] [--json]

Builds (once, then reused) a SQLite database with the registry's demo seeder, then measures in the
same run: the bare `SELECT COUNT(*) FROM resident` (baseline), each grouped query of the report
in-process (the duplicate scan cold, with its cache cleared, and warm), and the full HTTP round trip
of /kelengkapan and /duplikat through gunicorn on 127.0.0.1 (ports 8120-8139). With --postgres URL
the in-process part also runs on PostgreSQL.
Bounded: each measurement runs --repeat times after one warm-up.
"""
import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, Server, emit, free_port, prepare_database, summary  # noqa: E402

DEFAULT_DB = "/tmp/kupang-bench-completeness.db"
INSTANCE = "/tmp/kupang-bench-completeness-instance"
PORTS = (8120, 8139)


def resident_count(path):
    """Residents in the SQLite file (0 when it does not exist yet)."""
    if not os.path.exists(path):
        return 0
    with sqlite3.connect(path) as conn:
        try:
            return conn.execute("SELECT COUNT(*) FROM resident").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def ensure_database(path, residents):
    """A database with about `residents` demo residents; rebuilt when it holds far fewer or more."""
    have = resident_count(path)
    if have and abs(have - residents) <= residents * 0.05:
        return have, None
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    start = time.perf_counter()
    prepare_database(bench_env(f"sqlite:///{path}"), residents)
    return resident_count(path), time.perf_counter() - start


def bench_env(url):
    """Environment for the flask CLI and gunicorn."""
    os.makedirs(INSTANCE, exist_ok=True)
    return {"KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": INSTANCE, "KUPANG_SECRET_KEY": "bench-secret"}


def repeat(fn, times, cpu=None):
    """Wall seconds of each of `times` calls after one warm-up call; CPU seconds appended to `cpu` if given.

    On a shared 2-core box the wall time includes waiting for the CPU; this process's CPU time does not
    (SQLite runs in-process, so for in-process rows it is the query's own cost).
    """
    fn()
    out = []
    for _ in range(times):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return out


def in_process(url, times):
    """The report's queries in-process on one database, with the COUNT(*) baseline of the same run."""
    from sqlalchemy import text

    from kupang import create_app
    from kupang.extensions import db
    from kupang.registry import completeness, duplicates

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": INSTANCE, "SECRET_KEY": "bench"})
    rows = []
    with app.app_context():
        checks = [
            ("baseline: SELECT COUNT(*) FROM resident",
             lambda: db.session.execute(text("SELECT COUNT(*) FROM resident")).scalar()),
            ("resident counts per RW/RT (GROUP BY)", completeness.resident_counts),
            ("families without head per RW/RT", completeness.headless_counts),
            ("duplicate GROUP BY alone", duplicates.same_identity_groups),
            ("duplicate scan, cold (suspected pairs)", lambda: cold(duplicates.suspected_pairs)),
            ("registry fingerprint (cache check)", duplicates.registry_fingerprint),
            ("whole completeness report, cold", lambda: cold(completeness.completeness_report)),
            ("whole completeness report, warm", completeness.completeness_report),
        ]

        def cold(fn):
            duplicates.clear_pairs_cache()
            return fn()

        for name, fn in checks:
            cpu = []
            row = {"backend": db.engine.dialect.name, "measure": name, **summary(repeat(fn, times, cpu))}
            row["cpu_median"] = summary(cpu)["median"]
            rows.append(row)
            db.session.rollback()
        pairs = len(duplicates.suspected_pairs())
        residents = db.session.execute(text("SELECT COUNT(*) FROM resident")).scalar()
        plan = explain_duplicate_scan(db) if db.engine.dialect.name == "sqlite" else ""
        db.session.remove()
        db.engine.dispose()
    return rows, {"pairs": pairs, "residents": residents, "plan": plan}


def explain_duplicate_scan(db):
    """SQLite's plan for the duplicate GROUP BY: it should read ix_resident_dupkey only."""
    from sqlalchemy import func, select, text

    from kupang.registry.duplicates import name_key
    from kupang.registry.models import Resident

    key = name_key(Resident.name)
    stmt = (select(key, Resident.sex, Resident.birth_date)
            .where(Resident.merged_into_id.is_(None), Resident.birth_date.is_not(None))
            .group_by(key, Resident.sex, Resident.birth_date).having(func.count() > 1))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return "; ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def over_http(path, times):
    """/kelengkapan and /duplikat through gunicorn (2 workers), logged in as a demo clerk."""
    rows = []
    port = free_port(*PORTS)
    with Server(port=port, env=bench_env(f"sqlite:///{path}")) as server:
        server.start(timeout=60)
        client = Client(port)
        status = client.login("petugas1", "Kupang-Demo-2026")
        if status != 302:
            raise RuntimeError(f"login failed with HTTP {status}")
        for name, url in (("HTTP GET /kelengkapan (full page)", "/kelengkapan"),
                          ("HTTP GET /kelengkapan?rw=001 (htmx fragment)", "/kelengkapan?rw=001"),
                          ("HTTP GET /duplikat (first page)", "/duplikat"),
                          ("HTTP GET /kelengkapan/keluarga-tanpa-kepala", "/kelengkapan/keluarga-tanpa-kepala"),
                          ("HTTP GET /kelengkapan/penduduk?kategori=ber_nik", "/kelengkapan/penduduk?kategori=ber_nik"),
                          ("HTTP GET /keluarga/1000 (family page, audited)", "/keluarga/1000")):
            headers = {"HX-Request": "true"} if "fragment" in name else None

            def fetch(url=url, headers=headers):
                code, _headers, _body, _wire = client.get(url, headers=headers)
                if code != 200:
                    raise RuntimeError(f"{url}: HTTP {code}")

            rows.append({"backend": "sqlite+gunicorn", "measure": name, **summary(repeat(fetch, times))})
        client.close()
    return rows


def main():
    """Parse options, build or reuse the data, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=450_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite file, reused between runs")
    parser.add_argument("--postgres", help="also measure in-process on this (already seeded) PostgreSQL URL")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    times = max(1, min(args.repeat, 50))

    have, seeded = ensure_database(args.db, args.residents)
    rows, facts = in_process(f"sqlite:///{args.db}", times)
    if args.postgres:
        pg_rows, pg_facts = in_process(args.postgres, times)
        rows += pg_rows
        facts["postgres_residents"] = pg_facts["residents"]
    rows += over_http(args.db, times)
    baseline = {r["backend"]: r["median"] for r in rows if r["measure"].startswith("baseline")}
    for row in rows:
        base = baseline.get(row["backend"]) or baseline.get("sqlite")
        row["x_baseline"] = round(row["median"] / base, 1) if base else None
    results = {"residents": have, "seed_seconds": seeded and round(seeded, 1), "repeat": times,
               "db_mb": round(os.path.getsize(args.db) / 2**20, 1), **facts, "rows": rows}
    info = [{"fact": k, "value": v} for k, v in results.items() if k != "rows"]
    emit(results, args.json, [
        ("Completeness and duplicates (ms)", rows,
         ["backend", "measure", "n", "median", "p95", "max", "cpu_median", "x_baseline"]),
        ("Data", info, ["fact", "value"]),
    ])


if __name__ == "__main__":
    main()
