"""Registry benchmark: seed N residents, then NIK lookup and name search through a real gunicorn.

    .venv/bin/python bench/bench_registry.py [--residents 450000] [--clients 8] [--seconds 5] [--json]

Baselines measured in the same run: the bare SQLite queries (no Flask, no HTTP) for latency, and a
bare Flask "hello" app under the same gunicorn settings for throughput. Everything runs on 127.0.0.1
in a scratch folder that is removed afterwards, and every phase is bounded in time.
"""
import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    Client,
    Server,
    emit,
    free_port,
    percentile,
    run_clients,
    summary,
    write_hello_app,
)
from kupang.cli import DEMO_PASSWORD  # noqa: E402
from kupang.registry.seed import FEMALE, MALE, SURNAMES  # noqa: E402

PORTS = (8100, 8119)
SAMPLES = 300


def seed(env, residents):
    """Create the database and seed it; returns the seconds seed-demo took (app start and users included)."""
    flask = [PYTHON, "-m", "flask", "--app", "app"]
    subprocess.run(flask + ["init-db"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    started = time.perf_counter()
    subprocess.run(flask + ["seed-demo", "--residents", str(residents)], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    return time.perf_counter() - started


def database_size(path, residents):
    """Bytes on disk after a checkpoint, per 100,000 residents, and the search index's share."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = os.path.getsize(path) + sum(os.path.getsize(p) for p in (f"{path}-wal",) if os.path.exists(p))
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        search = sum(size for name, size in rows if name.startswith("resident_fts") or name == "ix_resident_name_lower")
    except sqlite3.OperationalError:  # dbstat not compiled in
        search = None
    conn.close()
    per_100k = total * 100_000 / max(residents, 1)
    return {"total_mb": round(total / 2**20, 1), "per_100k_mb": round(per_100k / 2**20, 1),
            "search_index_mb": None if search is None else round(search / 2**20, 1)}


def name_queries(rng, count):
    """What clerks type: full names, surnames, partial words, first names, some two-word partials."""
    queries = []
    for _ in range(count):
        kind = rng.random()
        first, surname = rng.choice(MALE + FEMALE), rng.choice(SURNAMES)
        if kind < 0.35:
            queries.append(f"{first} {surname}".lower())
        elif kind < 0.6:
            queries.append(surname.lower())
        elif kind < 0.8:
            queries.append(first.lower()[:5])
        else:
            queries.append(f"{first[:4]} {surname[:4]}".lower())
    return queries


def sample_niks(path, rng, count):
    """Random NIKs present in the database."""
    conn = sqlite3.connect(path)
    top = conn.execute("SELECT max(id) FROM resident").fetchone()[0]
    niks = []
    while len(niks) < count:
        row = conn.execute("SELECT nik FROM resident WHERE id >= ? AND nik IS NOT NULL LIMIT 1",
                           (rng.randint(1, top),)).fetchone()
        if row:
            niks.append(row[0])
    conn.close()
    return niks


def bare_sqlite(path, niks, names):
    """Latency of the bare queries behind the two lookups (same pragmas as the app, no Flask)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "cache_size=-8000"):
        conn.execute(f"PRAGMA {pragma}")
    nik_sql = ("SELECT r.id, r.name, r.nik, r.sex, r.birth_date, r.rt, r.rw, r.life_status, f.kk_number "
               "FROM resident r LEFT JOIN family f ON f.id = r.family_id WHERE r.nik = ?")
    name_sql = ("SELECT r.id, r.name, r.nik, r.sex, r.birth_date, r.rt, r.rw, r.life_status, f.kk_number "
                "FROM resident r LEFT JOIN family f ON f.id = r.family_id WHERE r.id IN "
                "(SELECT rowid FROM resident_fts WHERE resident_fts MATCH ?) AND r.merged_into_id IS NULL "
                "ORDER BY r.name LIMIT 25")
    nik_times, name_times = [], []
    for nik in niks:
        start = time.perf_counter()
        conn.execute(nik_sql, (nik,)).fetchall()
        nik_times.append(time.perf_counter() - start)
    for query in names:
        match = " AND ".join(f'"{w}"' for w in query.split() if len(w) >= 3) or '"' + query + '"'
        start = time.perf_counter()
        conn.execute(name_sql, (match,)).fetchall()
        name_times.append(time.perf_counter() - start)
    conn.close()
    return summary(nik_times), summary(name_times)


def search_function(folder, db_path, niks, names):
    """Latency of kupang's own search code (SQLAlchemy, ranking, paging) in this process, without HTTP."""
    from kupang import create_app
    from kupang.registry.search import search_residents

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "INSTANCE_PATH": folder,
                      "SECRET_KEY": "bench-secret"})
    results = []
    with app.app_context():
        for queries in (niks, names):
            times = []
            for query in queries:
                start = time.perf_counter()
                search_residents(query)
                times.append(time.perf_counter() - start)
            results.append(summary(times))
    return results


def http_latency(port, paths):
    """Sequential full round trips (one keep-alive client, logged in) for each path."""
    client = Client(port)
    assert client.login("petugas1", DEMO_PASSWORD) == 302, "login failed"
    times, errors = [], 0
    for path in paths:
        start = time.perf_counter()
        status, _headers, _body, _wire = client.get(path, headers={"HX-Request": "true"})
        times.append(time.perf_counter() - start)
        errors += status != 200
    client.close()
    return {**summary(times), "errors": errors}


def throughput(port, paths, clients, seconds, login=True):
    """Requests per second of concurrent keep-alive clients cycling through paths (logged in beforehand)."""
    ready = []
    for number in range(clients):
        client = Client(port)
        if login:
            assert client.login("petugas1", DEMO_PASSWORD) == 302, "login failed"
        client.rng = random.Random(number)
        ready.append(client)

    def make_client():
        return ready.pop()

    def action(client):
        status, _h, _b, _w = client.get(client.rng.choice(paths), headers={"HX-Request": "true"})
        return status == 200

    run = run_clients(make_client, action, clients=clients, seconds=seconds)
    done = len(run["latencies"])
    return {"requests": done, "errors": run["errors"], "req_per_s": round(done / run["elapsed"], 1),
            "p95_ms": round(percentile(run["latencies"], 95) * 1000, 2) if done else None}


def main():
    """Run the benchmark and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=450_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(2026)
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="kupang-bench-registry-") as folder:
        db_path = Path(folder) / "bench.db"
        env = {**os.environ, "KUPANG_DATABASE_URL": f"sqlite:///{db_path}", "KUPANG_INSTANCE_PATH": folder,
               "KUPANG_SECRET_KEY": "bench-secret"}
        env.pop("KUPANG_ACCESS_LOG", None)
        seed_seconds = seed(env, args.residents)
        size = database_size(db_path, args.residents)
        niks = sample_niks(db_path, rng, SAMPLES)
        names = name_queries(rng, SAMPLES)
        bare_nik, bare_name = bare_sqlite(db_path, niks, names)
        code_nik, code_name = search_function(folder, db_path, niks, names)
        nik_paths = [f"/penduduk?q={nik}" for nik in niks]
        name_paths = ["/penduduk?q=" + q.replace(" ", "+") for q in names]
        port = free_port(*PORTS)
        with Server(port=port, env=env, workers=2, threads=4) as server:
            server.start(timeout=60)
            http_latency(port, nik_paths[:20] + name_paths[:20])  # warm both workers' caches
            http_nik = http_latency(port, nik_paths)
            http_name = http_latency(port, name_paths)
            kupang_rps = throughput(port, nik_paths, args.clients, args.seconds)
            # The app's own floor: its cheapest route, no login, no database query of ours.
            health_rps = throughput(port, ["/healthz"], args.clients, args.seconds, login=False)
        hello_dir, hello_config = write_hello_app(folder)
        with Server(app="hello_app:app", port=port, cwd=hello_dir, config=hello_config, workers=2,
                    threads=4) as hello:
            hello.start(timeout=30)
            hello_rps = throughput(port, ["/"], args.clients, args.seconds, login=False)
    results = {
        "residents": args.residents, "load_average_before": load_before, "seed_seconds": round(seed_seconds, 1),
        "database": size,
        "nik_lookup": {"bare_sqlite_ms": bare_nik, "search_function_ms": code_nik, "http_ms": http_nik,
                       "target_p95_ms": 10},
        "name_search": {"bare_sqlite_ms": bare_name, "search_function_ms": code_name, "http_ms": http_name,
                        "target_p95_ms": 30},
        "throughput": {"lookup_fragment": kupang_rps, "kupang_healthz": health_rps, "flask_hello": hello_rps,
                       "target_req_per_s": 500,
                       "ratio_to_hello": round(kupang_rps["req_per_s"] / max(hello_rps["req_per_s"], 1), 2),
                       "clients": args.clients, "seconds": args.seconds},
    }
    latency_rows = [
        {"measure": "NIK lookup, bare SQLite", **bare_nik},
        {"measure": "NIK lookup, search_residents() in process", **code_nik},
        {"measure": "NIK lookup, HTTP fragment (target p95 <= 10)", **http_nik},
        {"measure": "name search, bare SQLite (FTS5 match, 25 rows by name)", **bare_name},
        {"measure": "name search, search_residents() in process", **code_name},
        {"measure": "name search, HTTP fragment (target p95 <= 30)", **http_name},
    ]
    rps_rows = [{"server": "kupang lookup fragment (target >= 500)", **kupang_rps},
                {"server": "kupang /healthz (no login)", **health_rps},
                {"server": "bare Flask hello", **hello_rps}]
    other = [{"what": "residents", "value": args.residents},
             {"what": "load average before the run (2 cores)", "value": load_before},
             {"what": "seed-demo seconds (target <= 90)", "value": results["seed_seconds"]},
             {"what": "database MB on disk", "value": size["total_mb"]},
             {"what": "MB per 100,000 residents (search index included)", "value": size["per_100k_mb"]},
             {"what": "of which name search index MB", "value": size["search_index_mb"]},
             {"what": "throughput ratio kupang / hello", "value": results["throughput"]["ratio_to_hello"]}]
    emit(results, args.json, [
        ("Latency, milliseconds (sequential, one keep-alive client)", latency_rows,
         ["measure", "n", "median", "p95", "max"]),
        (f"Throughput, {args.clients} clients x {args.seconds:g} s, 2 gunicorn gthread workers", rps_rows,
         ["server", "requests", "errors", "req_per_s", "p95_ms"]),
        ("Seeding and size", other, ["what", "value"]),
    ])


if __name__ == "__main__":
    main()
