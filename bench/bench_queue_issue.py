"""Ticket issue through HTTP on a real gunicorn (SQLite, synchronous=FULL), against a bare SQLite commit.

1. baseline: a bare sqlite3 INSERT + COMMIT with journal_mode=WAL, synchronous=FULL in the same folder
2. one kiosk tapping: POST /kiosk/ambil (CSRF, device cookie, nonce) until the 303, one at a time
3. the same with 4 kiosks tapping at once (writers queue on the database lock)
4. the whole kiosk round: POST, then the print page it redirects to

Budget: p95 of the one-kiosk issue at most 50 ms.

Usage: .venv/bin/python bench/bench_queue_issue.py [--json] [--requests 400] [--database-url URL]
"""
import argparse
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PORTS = (8160, 8179)
WORKERS, THREADS = 2, 6
BUDGET_P95_MS = 50


def bare_commits(folder, count):
    """Seconds per INSERT + COMMIT on a bare SQLite file with the app's durability settings."""
    conn = sqlite3.connect(Path(folder) / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT, token TEXT UNIQUE, at TEXT)")
    latencies = []
    for i in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (code, token, at) VALUES (?, ?, datetime('now'))", (f"A-{i:03d}", uuid.uuid4().hex))
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - start)
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    conn.close()
    return latencies, synchronous


def prepare(database_url, folder):
    """Migrate the database, add three services open all day and a paired kiosk; returns (service ids, token)."""
    from kupang import create_app
    from kupang.cli import apply_migrations
    from kupang.config import normalise_database_url
    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.queue.devices import create_device, pair_device
    from kupang.queue.models import Service

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "bench-secret"})
    with app.app_context():
        apply_migrations()
        with write_intent():
            services = [Service(name=name, prefix=prefix, requirements="KTP\nKK", opens_at=clock_time(0, 0),
                                closes_at=clock_time(23, 59, 59), allow_priority=True, active=True, sort_order=i,
                                minutes_per_ticket=5)
                        for i, (name, prefix) in enumerate((("Pengantar KTP/KK", "A"), ("Domisili", "B"),
                                                            ("SKTM", "C")))]
            db.session.add_all(services)
            device, code = create_device("kiosk", "Kiosk bench", None)
            db.session.commit()
            _device, token = pair_device(code)
            db.session.commit()
            ids = [s.id for s in services]
        synchronous = None
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        db.engine.dispose()
    return ids, token, synchronous


class Kiosk(common.Client):
    """A kiosk browser: device cookie, session and CSRF token from the kiosk page, a fresh nonce per tap."""

    def __init__(self, port, token, services):
        super().__init__(port)
        self.cookies["kupang_device"] = token
        self.services, self.taps = services, 0
        status, _headers, body, _wire = self.get("/kiosk")
        if status != 200:
            raise RuntimeError(f"/kiosk answered {status}")
        self.csrf = common.csrf_token(body.decode())

    def tap(self):
        """Issue one ticket; returns the print page's path (None when refused)."""
        service = self.services[self.taps % len(self.services)]
        self.taps += 1
        status, headers, _body, _wire = self.post_form("/kiosk/ambil", {
            "csrf_token": self.csrf, "service": service, "priority": "", "nonce": uuid.uuid4().hex[:24]})
        return headers.get("Location") if status == 303 else None


def sequential(port, token, services, count):
    """One kiosk, one tap at a time: latency of the POST alone."""
    kiosk = Kiosk(port, token, services)
    latencies, errors = [], 0
    for _ in range(count):
        seconds, location = common.timed(kiosk.tap)
        latencies.append(seconds)
        errors += location is None
    kiosk.close()
    return latencies, errors


def full_round(port, token, services, count):
    """POST and the print page it leads to."""
    kiosk = Kiosk(port, token, services)
    latencies, errors = [], 0
    for _ in range(count):
        start = time.perf_counter()
        location = kiosk.tap()
        status = kiosk.get(location)[0] if location else 0
        latencies.append(time.perf_counter() - start)
        errors += status != 200
    kiosk.close()
    return latencies, errors


def main():
    """Run every case and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", help="PostgreSQL URL to measure instead of a fresh SQLite file")
    args = parser.parse_args()
    count = max(20, min(args.requests, 3000))
    with tempfile.TemporaryDirectory(prefix="kupang-bench-queue-") as folder:
        base, base_sync = bare_commits(folder, count)
        url = args.database_url or f"sqlite:///{folder}/kupang.db"
        services, token, app_sync = prepare(url, folder)
        env = {"KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": folder, "KUPANG_SECRET_KEY": "bench-secret"}
        with common.Server(port=common.free_port(*PORTS), env=env, workers=WORKERS, threads=THREADS) as server:
            server.start(timeout=60)
            sequential(server.port, token, services, 20)  # warm both workers' caches and connections
            one, one_errors = sequential(server.port, token, services, count)
            four = common.run_clients(lambda: Kiosk(server.port, token, services),
                                      lambda kiosk: kiosk.tap() is not None, clients=4, seconds=30,
                                      max_requests=count)
            rounds, round_errors = full_round(server.port, token, services, max(20, count // 4))
    rows = [
        common.latency_row("bare SQLite INSERT+COMMIT (baseline)", base, note=f"synchronous={base_sync}"),
        common.latency_row("issue: 1 kiosk, POST /kiosk/ambil", one, one_errors,
            note=f"synchronous={app_sync}" if app_sync is not None else "PostgreSQL"),
        common.latency_row("issue: 4 kiosks at once", four["latencies"], four["errors"]),
        common.latency_row("kiosk round: POST + print page", rounds, round_errors),
    ]
    p95 = rows[1]["p95 ms"]
    verdict = {"budget_p95_ms": BUDGET_P95_MS, "issue_p95_ms": p95, "within_budget": p95 <= BUDGET_P95_MS,
               "overhead_over_bare_commit_p50_ms": round(rows[1]["p50 ms"] - rows[0]["p50 ms"], 2)}
    results = {"rows": rows, "verdict": verdict, "workers": WORKERS, "threads": THREADS,
               "database": "postgresql" if args.database_url else "sqlite"}
    common.emit(results, args.json, [("Ticket issue through HTTP (gunicorn, 2 gthread workers)", rows, None),
                                      ("Budget", [verdict], None)])
    return 0 if verdict["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
