"""Foundation budgets on a real gunicorn (2 gthread workers), compared with a bare Flask app in the same run.

1. first load of the login page and the logged-in home page: bytes on the wire with gzip, every asset included
2. RSS of each worker after 1,000 requests
3. seconds from process start to the first 200 on /healthz
4. login verify: Argon2id verify with the real parameters, and a full POST /masuk round trip

Usage: .venv/bin/python bench/bench_foundation.py [--json] [--requests 1000] [--residents 0]
"""
import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from kupang.cli import DEMO_PASSWORD  # noqa: E402

PORTS = (8220, 8239)
WORKERS, THREADS = 2, 6
BUDGET_FIRST_LOAD_KB = 40
BUDGET_RSS_MB = 60
BUDGET_READY_S = 3.0
BUDGET_LOGIN_MS = 300
ASSET_RE = re.compile(r'<(?:link|script)\b[^>]*?\b(?:href|src)="([^"]+)"', re.I)
EXTERNAL = ("http://", "https://", "//")


def kupang_env(folder):
    """Environment for a kupang server on SQLite in a temp folder."""
    return {"KUPANG_DATABASE_URL": f"sqlite:///{folder}/kupang.db", "KUPANG_INSTANCE_PATH": str(folder),
            "KUPANG_SECRET_KEY": "bench-secret-key-0123456789abcdef"}


def header_bytes(headers):
    """Approximate size of a response's status line and headers."""
    return len("HTTP/1.1 200 OK\r\n") + sum(len(k) + len(v) + 4 for k, v in headers.items()) + 2


def page_weight(client, path):
    """Wire bytes of a page and of every <link>/<script> it references (plus /favicon.ico), and externals."""
    status, headers, html, wire = client.get(path)
    rows = [{"url": path, "status": status, "body": wire, "total": wire + header_bytes(headers)}]
    urls = ASSET_RE.findall(html.decode())
    external = [u for u in urls if u.startswith(EXTERNAL)]
    browser_extra = [] if 'rel="icon"' in html.decode() else ["/favicon.ico"]  # what a browser asks for
    for url in [u for u in urls if not u.startswith(EXTERNAL)] + browser_extra:
        status, headers, _data, wire = client.get(url)
        rows.append({"url": url, "status": status, "body": wire, "total": wire + header_bytes(headers)})
    return rows, external


def first_load(port):
    """Weight of the login page and of the home page right after logging in (empty cache each time)."""
    results = {}
    anonymous = common.Client(port)
    results["login"] = page_weight(anonymous, "/masuk")
    anonymous.close()
    user = common.Client(port)
    assert user.login("admin", DEMO_PASSWORD) == 302, "demo login failed"
    results["home"] = page_weight(user, "/")
    user.close()
    return results


def mixed_requests(port, count):
    """count requests spread over anonymous and logged-in pages, as an office would make them."""
    admin = common.Client(port)
    assert admin.login("admin", DEMO_PASSWORD) == 302
    clerk = common.Client(port)
    assert clerk.login("petugas1", DEMO_PASSWORD) == 302
    visitor = common.Client(port)
    plan = [(admin, "/"), (admin, "/pengguna"), (admin, "/audit"), (admin, "/akun"), (clerk, "/"),
            (visitor, "/masuk"), (visitor, "/healthz"), (visitor, "/static/css/app.css")]
    done = 0
    while done < count:
        client, path = plan[done % len(plan)]
        status = client.get(path)[0]
        assert status == 200, f"{path} -> {status}"
        done += 1
    for client in (admin, clerk, visitor):
        client.close()
    return done


def hello_requests(port, count):
    """count requests to the bare app."""
    client = common.Client(port)
    for n in range(count):
        client.get("/" if n % 2 else "/healthz")
    client.close()
    return count


def memory_after(server, load, count, connections=4):
    """Spread `count` requests over several connections (so both workers serve), then read worker memory."""
    per_connection = count // connections
    threads = [threading.Thread(target=load, args=(server.port, per_connection)) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    workers = server.worker_pids()
    return {"requests": per_connection * connections,
            "rss_mb": [round(common.rss_mb(pid), 1) for pid in workers],
            "pss_mb": [round(common.pss_mb(pid) or 0, 1) for pid in workers],
            "master_rss_mb": round(common.rss_mb(server.proc.pid), 1),
            "cpu_s": [round(common.cpu_seconds(pid), 2) for pid in workers]}


def login_round_trips(port, rounds):
    """Seconds per full POST /masuk (fresh session each time; the GET of the form is not timed)."""
    times = []
    for _ in range(rounds):
        client = common.Client(port)
        _status, _headers, html, _wire = client.get("/masuk")
        fields = {"csrf_token": common.csrf_token(html.decode()), "username": "admin", "password": DEMO_PASSWORD}
        seconds, (status, *_rest) = common.timed(client.post_form, "/masuk", fields)
        assert status == 302, status
        times.append(seconds)
        client.close()
    return times


def argon2_verify_times(rounds):
    """Seconds per Argon2id verify with the production parameters."""
    from argon2 import PasswordHasher

    from kupang.config import Config

    params = Config(tempfile.mkdtemp()).PASSWORD_HASH
    hasher = PasswordHasher(**params)
    stored = hasher.hash(DEMO_PASSWORD)
    return params, [common.timed(hasher.verify, stored, DEMO_PASSWORD)[0] for _ in range(rounds)]


def start(app, env, config=None, cwd=None):
    """A started server and its seconds-to-ready."""
    server = common.Server(app, port=common.free_port(*PORTS), env=env, config=config, cwd=cwd,
                           workers=WORKERS, threads=THREADS)
    ready = server.start()
    return server, ready


def measure_app(name, app, env, load, requests, config=None, cwd=None, startups=3):
    """Readiness (median of several starts) and memory after load, for one app."""
    readies = []
    for _ in range(startups - 1):
        server, ready = start(app, env, config, cwd)
        readies.append(ready)
        server.stop()
    server, ready = start(app, env, config, cwd)
    readies.append(ready)
    time.sleep(0.5)  # let the second worker finish booting
    try:
        memory = memory_after(server, load, requests)
        extra = None
        if name == "kupang":
            extra = {"first_load": first_load(server.port), "login_round_trip": login_round_trips(server.port, 20)}
            # 20 more Argon2id logins, spread over the threads: their 19 MiB blocks must not stay behind.
            memory["rss_after_logins_mb"] = [round(common.rss_mb(pid), 1) for pid in server.worker_pids()]
    finally:
        server.stop()
    return {"ready_s": [round(r, 3) for r in readies], "ready_median_s": round(common.percentile(readies, 50), 3),
            **memory}, extra


def run(args):
    """Measure everything; returns the results dict."""
    with tempfile.TemporaryDirectory(prefix="kupang-bench-") as tmp:
        folder = Path(tmp)
        env = kupang_env(folder)
        common.prepare_database(env, residents=args.residents)
        kupang, extra = measure_app("kupang", "app:app", env, mixed_requests, args.requests)
        hello_dir, hello_config = common.write_hello_app(folder / "hello")
        hello, _ = measure_app("hello", "hello_app:app", {}, hello_requests, args.requests,
                               config=hello_config, cwd=hello_dir)
    params, verify = argon2_verify_times(20)
    return {"kupang": kupang, "hello": hello, "first_load": extra["first_load"],
            "login": {"argon2_params": params, "argon2_verify_ms": common.summary(verify),
                      "post_login_ms": common.summary(extra["login_round_trip"])}}


def verdict(ok):
    """'ok' or 'OVER'."""
    return "ok" if ok else "OVER"


def tables(results):
    """Rows for the text report."""
    load_rows = []
    for page, (rows, external) in results["first_load"].items():
        total = sum(r["total"] for r in rows)
        load_rows.append({"page": page, "requests": len(rows), "body KB": round(sum(r["body"] for r in rows) / 1024, 1),
                          "with headers KB": round(total / 1024, 1), "external": len(external),
                          "budget": f"<= {BUDGET_FIRST_LOAD_KB} KB",
                          "verdict": verdict(total <= BUDGET_FIRST_LOAD_KB * 1024 and not external)})
    asset_rows = [{"page": page, **row} for page, (rows, _ext) in results["first_load"].items() for row in rows]
    app_rows = []
    for name in ("kupang", "hello"):
        r = results[name]
        app_rows.append({"app": name, "ready median s": r["ready_median_s"], "ready runs s": r["ready_s"],
                         "requests": r["requests"], "worker RSS MB": r["rss_mb"], "worker PSS MB": r["pss_mb"],
                         "RSS after +20 logins MB": r.get("rss_after_logins_mb"),
                         "master RSS MB": r["master_rss_mb"], "worker CPU s": r["cpu_s"]})
    k = results["kupang"]
    app_rows.append({"app": "budget", "ready median s": f"<= {BUDGET_READY_S}",
                     "worker RSS MB": f"<= {BUDGET_RSS_MB}",
                     "ready runs s": verdict(k["ready_median_s"] <= BUDGET_READY_S),
                     "worker PSS MB": verdict(max(k["rss_mb"]) <= BUDGET_RSS_MB),
                     "RSS after +20 logins MB": verdict(max(k["rss_after_logins_mb"]) <= BUDGET_RSS_MB)})
    login = results["login"]
    login_rows = [{"step": "argon2id verify", **login["argon2_verify_ms"]},
                  {"step": "POST /masuk round trip", **login["post_login_ms"],
                   "verdict": verdict(login["post_login_ms"]["p95"] <= BUDGET_LOGIN_MS)}]
    return [("First load (gzip)", load_rows, None), ("Requests of the first loads", asset_rows, None),
            ("Startup and memory (2 gthread workers x 6 threads)", app_rows, None),
            (f"Login (ms; budget p95 <= {BUDGET_LOGIN_MS}; params {login['argon2_params']})", login_rows,
             ["step", "n", "median", "p95", "max", "verdict"])]


def main():
    """Parse arguments, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--requests", type=int, default=1000, help="requests before reading worker memory")
    parser.add_argument("--residents", type=int, default=0, help="demo residents to seed")
    args = parser.parse_args()
    results = run(args)
    common.emit(results, args.json, tables(results))


if __name__ == "__main__":
    main()
