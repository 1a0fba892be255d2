"""Letters through HTTP on a real gunicorn: issue + render, public verification, the letter page's weight.

1. issue: POST /surat/<id>/terbitkan (number, snapshot, audit) until the 303, one clerk at a time
2. issue + render: the POST and the print page (QR code, A4) it is printed from
3. verification: GET /surat/cek/<token> (a phone scanning the QR; one counter UPDATE)
4. first load of a draft's page: HTML and every asset it links, bytes on the wire (gzip)

Budgets: issue + render p95 at most 50 ms, verification p95 at most 20 ms, letter page first load at most 40 KB.

Usage: .venv/bin/python bench/bench_letters.py [--json] [--requests 200] [--database-url URL]
"""
import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PORTS = (8180, 8199)
WORKERS, THREADS = 2, 6
BUDGETS = {"issue_render_p95_ms": 50, "verify_p95_ms": 20, "first_load_kb": 40}
PASSWORD = "Bench-Letters-2026"
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def prepare(database_url, folder, drafts):
    """Migrate, add a clerk, the seeded letter types, a signatory, a resident and `drafts` drafts; their ids."""
    from datetime import date

    from kupang import create_app
    from kupang.auth.accounts import create_user
    from kupang.cli import apply_migrations
    from kupang.config import normalise_database_url
    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.letters.issuing import create_draft
    from kupang.letters.seed import seed_signatory, seed_types
    from kupang.registry.models import Resident

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "bench-secret"})
    with app.app_context():
        apply_migrations()
        with write_intent():
            create_user("petugas", "clerk", PASSWORD, must_change=False)
            letter_type = seed_types()["Surat Keterangan Domisili"]
            signatory = seed_signatory()
            resident = Resident(name="Yohanes Benu Taek", nik="5371051203900001", sex=1, birth_date=date(1990, 3, 12),
                                birth_place="Kupang", address="Jl. Timor Raya No. 12", rt="003", rw="001",
                                kelurahan_code=app.config["KELURAHAN_CODE"], life_status="hidup")
            db.session.add(resident)
            db.session.flush()
            ids = [create_draft(letter_type, resident, values={"keperluan": "melamar pekerjaan"},
                                checked=letter_type.requirements, user=None).id for _ in range(drafts)]
            db.session.commit()
            signatory_id = signatory.id
        db.engine.dispose()
    return ids, signatory_id


def clerk(port):
    """A logged-in clerk with the CSRF token of the register page."""
    client = common.Client(port)
    assert client.login("petugas", PASSWORD) == 302
    client.csrf = common.csrf_token(client.get("/surat")[2].decode())
    return client


def issue(client, letter_id, signatory):
    """POST Terbitkan; True on the 303."""
    status, _h, _b, _w = client.post_form(f"/surat/{letter_id}/terbitkan",
                                          {"csrf_token": client.csrf, "version": 0, "signatory_id": signatory})
    return status == 303


def first_load(client, path):
    """Wire bytes of a page and every static asset it links (a browser with an empty cache)."""
    status, _h, body, wire = client.get(path)
    total, parts = wire, [(path, wire)]
    for asset in sorted(set(ASSET.findall(body.decode()))):
        _s, _h, _b, asset_wire = client.get(asset)
        total += asset_wire
        parts.append((asset, asset_wire))
    return status, total, parts


def main():
    """Run every case and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL URL to measure instead of a fresh SQLite file")
    args = parser.parse_args()
    count = max(20, min(args.requests, 2000))
    with tempfile.TemporaryDirectory(prefix="kupang-bench-letters-") as folder:
        url = args.database_url or f"sqlite:///{folder}/kupang.db"
        drafts, signatory = prepare(url, folder, 2 * count + 21)
        env = {"KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": folder, "KUPANG_SECRET_KEY": "bench-secret",
               "KUPANG_LETTER_VERIFY_PER_MINUTE": "100000"}
        with common.Server(port=common.free_port(*PORTS), env=env, workers=WORKERS, threads=THREADS) as server:
            server.start(timeout=60)
            client = clerk(server.port)
            for letter_id in drafts[:10]:  # warm both workers
                issue(client, letter_id, signatory)
                client.get(f"/surat/{letter_id}/cetak")
            status, weight, parts = first_load(client, f"/surat/{drafts[-1]}")
            issue_only, both, errors = [], [], 0
            queue = iter(drafts[10:-1])
            for _ in range(count):
                letter_id = next(queue)
                seconds, ok = common.timed(issue, client, letter_id, signatory)
                issue_only.append(seconds)
                errors += not ok
            for _ in range(count):
                letter_id = next(queue)
                start = time.perf_counter()
                ok = issue(client, letter_id, signatory)
                ok = ok and client.get(f"/surat/{letter_id}/cetak")[0] == 200
                both.append(time.perf_counter() - start)
                errors += not ok
            token_page = client.get(f"/surat/{drafts[0]}/cetak")[2].decode()
            token = re.search(r"/surat/cek/([A-Za-z0-9_-]+)", token_page).group(1)
            phone = common.Client(server.port)
            verify, verify_errors = [], 0
            for _ in range(count):
                seconds, result = common.timed(phone.get, f"/surat/cek/{token}")
                verify.append(seconds)
                verify_errors += result[0] != 200
    rows = [common.latency_row("issue: POST /surat/<id>/terbitkan", issue_only, errors),
            common.latency_row("issue + render: POST + print page (A4, QR)", both),
            common.latency_row("verification: GET /surat/cek/<token>", verify, verify_errors)]
    verdict = {"issue_render_p95_ms": rows[1]["p95 ms"], "verify_p95_ms": rows[2]["p95 ms"],
               "first_load_kb": round(weight / 1024, 1), "first_load_status": status}
    verdict["within_budget"] = all(verdict[key] <= limit for key, limit in BUDGETS.items())
    results = {"rows": rows, "verdict": verdict, "budgets": BUDGETS, "first_load": parts, "workers": WORKERS,
               "threads": THREADS, "database": "postgresql" if args.database_url else "sqlite"}
    common.emit(results, args.json, [("Letters through HTTP (gunicorn, 2 gthread workers)", rows, None),
                                      ("Budget", [verdict], None)])
    return 0 if verdict["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
