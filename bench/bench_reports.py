"""Benchmark: every report page through gunicorn at kelurahan scale (p95) and city scale (cold), and page weight.

    .venv/bin/python bench/bench_reports.py [--residents 8000] [--city 450000] [--repeat 15] [--json]

Builds (once, then reused) SQLite databases with `seed-demo` (residents plus a year of tickets, events, survey
answers and NIK snapshots), then measures in the same run:
- baseline: GET /healthz through the same gunicorn, and a bare `SELECT COUNT(*) FROM ticket` in-process;
- kelurahan scale: each report page --repeat times after one warm-up, logged in as the demo lurah (target p95
  <= 300 ms);
- city scale (--city residents, 0 to skip): each report page as the first request of a freshly started gunicorn
  (target <= 1 s cold);
- first load: the page and every stylesheet and script it links, gzip on the wire, a fresh client (<= 60 KB).
Ports 8140-8159 on 127.0.0.1; bounded by --repeat.
"""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, Client, Server, emit, free_port, prepare_database, summary  # noqa: E402

PORTS = (8140, 8159)
PAGES = [
    ("home (supervisor)", "/"),
    ("queue, this month", "/laporan/antrian"),
    ("queue, 12 months", "/laporan/antrian?periode=tahun"),
    ("population: monthly mutation", "/laporan/penduduk?bagian=mutasi"),
    ("population: pyramid", "/laporan/penduduk?bagian=piramida"),
    ("population: breakdowns", "/laporan/penduduk?bagian=rincian"),
    ("population: NIK trend", "/laporan/penduduk?bagian=nik"),
    ("SKM, this month", "/laporan/skm"),
    ("SKM, 12 months", "/laporan/skm?periode=tahun"),
    ("audit log", "/audit"),
    ("access report (one resident)", "/laporan/akses/100"),
]
ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def count(path, table):
    """Rows of a table in the SQLite file (0 when absent)."""
    if not os.path.exists(path):
        return 0
    with sqlite3.connect(path) as conn:
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
        except sqlite3.OperationalError:
            return 0


def bench_env(path):
    """Environment for the flask CLI and gunicorn on one SQLite file."""
    instance = path + "-instance"
    os.makedirs(instance, exist_ok=True)
    return {"KUPANG_DATABASE_URL": f"sqlite:///{path}", "KUPANG_INSTANCE_PATH": instance,
            "KUPANG_SECRET_KEY": "bench-secret"}


def ensure_database(path, residents):
    """A database with about `residents` residents and a year of history; rebuilt otherwise. Returns seconds."""
    have = count(path, "resident")
    if have and abs(have - residents) <= residents * 0.05 and count(path, "nik_snapshot"):
        subprocess.run([PYTHON, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env={**os.environ,
                       **bench_env(path)}, check=True, capture_output=True, timeout=600)  # newer migrations
        return None
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    start = time.perf_counter()
    prepare_database(bench_env(path), residents)
    return time.perf_counter() - start


def logged_in(port):
    """A client logged in as the demo lurah."""
    client = Client(port)
    status = client.login("lurah", "Kupang-Demo-2026")
    if status != 302:
        raise RuntimeError(f"login failed with HTTP {status}")
    return client


def fetch(client, url):
    """GET a page that must answer 200; returns (seconds, wire bytes)."""
    start = time.perf_counter()
    code, _headers, body, wire = client.get(url)
    if code != 200:
        raise RuntimeError(f"{url}: HTTP {code}")
    return time.perf_counter() - start, wire, body


def first_load(port, url):
    """Wire bytes of a page and every stylesheet and script it links, for a new browser (gzip)."""
    client = logged_in(port)
    _s, wire, body = fetch(client, url)
    assets = ASSET_RE.findall(body.decode())
    for asset in assets:
        wire += fetch(client, asset)[1]
    client.close()
    return wire, len(assets)


def kelurahan(path, times):
    """p95 of each page, /healthz as the baseline, and the first-load weight."""
    rows, weights = [], []
    port = free_port(*PORTS)
    with Server(port=port, env=bench_env(path)) as server:
        server.start(timeout=90)
        client = logged_in(port)
        for name, url in [("baseline: GET /healthz", "/healthz")] + PAGES:
            fetch(client, url)
            samples = [fetch(client, url)[0] for _ in range(times)]
            rows.append({"scale": "kelurahan", "page": name, **summary(samples)})
            if url != "/healthz":
                wire, assets = first_load(port, url)
                weights.append({"page": name, "first_load_kb": round(wire / 1024, 1), "assets": assets})
        client.close()
    return rows, weights


def city(path):
    """Each page as the first request of a freshly started gunicorn (its process and caches cold)."""
    rows = []
    for name, url in PAGES:
        port = free_port(*PORTS)
        with Server(port=port, env=bench_env(path)) as server:
            server.start(timeout=120)
            client = logged_in(port)
            try:
                seconds = fetch(client, url)[0]
                again = fetch(client, url)[0]
            except (RuntimeError, OSError) as error:  # report it and go on with the next page
                rows.append({"scale": "city", "page": name, "cold_ms": None, "warm_ms": None, "error": str(error)})
                continue
            finally:
                client.close()
        rows.append({"scale": "city", "page": name, "cold_ms": round(seconds * 1000, 1),
                     "warm_ms": round(again * 1000, 1)})
    return rows


def bare_count(path, times):
    """The in-process baseline: SELECT COUNT(*) FROM ticket."""
    samples = []
    with sqlite3.connect(path) as conn:
        for _ in range(times + 1):
            start = time.perf_counter()
            conn.execute("SELECT COUNT(*) FROM ticket").fetchone()
            samples.append(time.perf_counter() - start)
    return {"scale": "kelurahan", "page": "baseline: bare SELECT COUNT(*) FROM ticket", **summary(samples[1:])}


def main():
    """Parse options, build or reuse the data, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--city", type=int, default=450_000, help="residents at city scale (0 skips it)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", default="/tmp/kupang-bench-reports-8k.db")
    parser.add_argument("--city-db", default="/tmp/kupang-bench-reports-city.db")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    times = max(3, min(args.repeat, 100))
    seeded = ensure_database(args.db, args.residents)
    rows, weights = kelurahan(args.db, times)
    rows.insert(1, bare_count(args.db, times))
    for row in rows:
        row["target_p95"] = None if row["page"].startswith("baseline") else 300
        row["ok"] = None if row["target_p95"] is None else row["p95"] <= 300
    for row in weights:
        row["ok"] = row["first_load_kb"] <= 60
    if not args.json:  # the kelurahan part now; the city part takes minutes
        emit({}, False, [("Reports at kelurahan scale, through gunicorn (ms)", rows,
                          ["page", "n", "median", "p95", "max", "target_p95", "ok"]),
                         ("First load of each page with its stylesheets and scripts (gzip)", weights,
                          ["page", "first_load_kb", "assets", "ok"])])
        sys.stdout.flush()
    city_rows, city_seeded = [], None
    if args.city:
        city_seeded = ensure_database(args.city_db, args.city)
        city_rows = city(args.city_db)
        for row in city_rows:
            row["ok"] = row["cold_ms"] is not None and row["cold_ms"] <= 1000
    facts = {"residents": count(args.db, "resident"), "tickets": count(args.db, "ticket"),
             "survey_responses": count(args.db, "survey_response"), "events": count(args.db, "resident_event"),
             "city_residents": count(args.city_db, "resident") if args.city else 0,
             "seed_seconds": seeded and round(seeded, 1), "city_seed_seconds": city_seeded and round(city_seeded, 1),
             "repeat": times, "load_average": os.getloadavg()[0]}
    results = {**facts, "kelurahan": rows, "city": city_rows, "first_load": weights}
    emit(results, args.json, [
        ("Reports at city scale: first request of a fresh server (ms)", city_rows,
         ["page", "cold_ms", "warm_ms", "ok"]),
        ("Data", [{"fact": k, "value": v} for k, v in facts.items()], ["fact", "value"]),
    ])


if __name__ == "__main__":
    main()
