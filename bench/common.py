"""Shared benchmark helpers: a real gunicorn server, a keep-alive client, percentiles, /proc, output.

Stdlib only. Everything runs against 127.0.0.1 and is bounded in time and in client count.
"""
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
HOST = "127.0.0.1"
MAX_CLIENTS = 64
MAX_SECONDS = 120

HELLO_APP = '''"""A bare Flask app: the baseline the benchmarks compare kupang with."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"


@app.route("/healthz")
def healthz():
    return jsonify(status="ok")
'''


# --- servers -------------------------------------------------------------------------------


def free_port(first, last):
    """The first port in [first, last] nobody listens on."""
    for port in range(first, last + 1):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def write_hello_app(folder):
    """Write the bare Flask baseline app (hello_app:app) and a gunicorn config without kupang's hooks."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hello_app.py").write_text(HELLO_APP)
    config = folder / "gunicorn_baseline.py"
    # Same settings as the project's gunicorn.conf.py, minus its post_fork hook (which needs kupang's db).
    config.write_text(f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\ndel post_fork\n")
    return folder, config


class Server:
    """A gunicorn subprocess serving one app on 127.0.0.1:port."""

    def __init__(self, app="app:app", port=8220, env=None, config=None, cwd=None, workers=2, threads=4):
        self.app, self.port, self.cwd = app, port, str(cwd or ROOT)
        self.config = str(config or ROOT / "gunicorn.conf.py")
        self.env = {**os.environ, **(env or {}), "KUPANG_BIND": f"{HOST}:{port}",
                    "KUPANG_WORKERS": str(workers), "KUPANG_THREADS": str(threads), "KUPANG_LOG_LEVEL": "warning"}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [self.cwd, str(ROOT), self.env.get("PYTHONPATH")]))
        self.proc = None
        self.started_at = None
        self.log = None

    @property
    def url(self):
        """Base URL of the server."""
        return f"http://{HOST}:{self.port}"

    def start(self, timeout=30.0):
        """Start gunicorn and wait for the first 200 on /healthz; returns seconds from spawn to ready."""
        self.log = open(os.devnull, "w")  # noqa: SIM115 - closed in stop()
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen([GUNICORN, "-c", self.config, self.app], cwd=self.cwd, env=self.env,
                                     stdout=self.log, stderr=subprocess.PIPE, start_new_session=True)
        return wait_ready(self, timeout)

    def stop(self):
        """Stop gunicorn (SIGTERM, then SIGKILL after 10 s) and its workers."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        if self.log:
            self.log.close()

    def worker_pids(self):
        """PIDs of the gunicorn workers (children of the master)."""
        return child_pids(self.proc.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_ready(server, timeout=30.0, path="/healthz"):
    """Poll path every 10 ms until it answers 200; seconds since the server was spawned."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return time.perf_counter() - server.started_at
            conn.close()
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{server.app} not ready on port {server.port} within {timeout} s")


def prepare_database(env, residents=0):
    """Run `flask init-db` and `seed-demo` for kupang with the given environment."""
    full_env = {**os.environ, **env}
    flask = [PYTHON, "-m", "flask", "--app", "app"]
    for args in (["init-db"], ["seed-demo", "--residents", str(residents)]):
        subprocess.run(flask + args, cwd=ROOT, env=full_env, check=True, capture_output=True, timeout=600)


# --- client --------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
COOKIE_RE = re.compile(r"^\s*([^=;\s]+)=([^;]*)")


class Client:
    """A keep-alive HTTP/1.1 client with a cookie jar that counts the bytes on the wire."""

    def __init__(self, port, gzip_ok=True, timeout=30):
        self.port, self.gzip_ok, self.timeout = port, gzip_ok, timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        """Send one request; returns (status, headers dict, decoded body bytes, wire bytes of the body)."""
        headers = {**(headers or {})}
        if self.gzip_ok:
            headers.setdefault("Accept-Encoding", "gzip")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # keep-alive closed by the server: reconnect once
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            match = COOKIE_RE.match(value)
            if match:
                self.cookies[match.group(1)] = match.group(2)
        data = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
        return response.status, dict(response.headers.items()), data, len(raw)

    def get(self, path, headers=None):
        """GET a path."""
        return self.request("GET", path, headers=headers)

    def post_form(self, path, fields, headers=None):
        """POST url-encoded form fields."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body=urlencode(fields), headers=headers)

    def login(self, username, password, path="/masuk"):
        """Fetch the login form, then post it with its CSRF token; returns the POST's status."""
        _status, _headers, body, _wire = self.get(path)
        token = csrf_token(body.decode())
        status, _headers, _body, _wire = self.post_form(
            path, {"csrf_token": token, "username": username, "password": password})
        return status

    def close(self):
        """Close the connection."""
        self.conn.close()


def csrf_token(html):
    """The csrf_token hidden field's value in a page, or '' when absent."""
    match = CSRF_RE.search(html)
    return (match.group(1) or match.group(2)) if match else ""


# --- statistics and load -------------------------------------------------------------------


def percentile(values, p):
    """The p-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values, scale=1000.0):
    """n, median, p95, max of a list of seconds, in milliseconds by default."""
    def fmt(v):
        return None if v is None else round(v * scale, 2)
    return {"n": len(values), "median": fmt(percentile(values, 50)), "p95": fmt(percentile(values, 95)),
            "max": fmt(max(values) if values else None)}


def latency_row(name, latencies, errors=0, note=""):
    """A table row of latencies in milliseconds (case, n, p50, p95, max, errors, note)."""
    stats = summary(latencies)
    return {"case": name, "n": stats["n"], "p50 ms": stats["median"], "p95 ms": stats["p95"],
            "max ms": stats["max"], "errors": errors, "note": note}


def timed(fn, *args, **kwargs):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def run_clients(make_client, action, clients=4, seconds=5.0, max_requests=None):
    """Run `clients` threads, each calling action(client) until time or max_requests runs out.

    Returns a dict with per-request latencies (seconds), error count and elapsed time.
    """
    clients = max(1, min(clients, MAX_CLIENTS))
    seconds = min(seconds, MAX_SECONDS)
    deadline = time.perf_counter() + seconds
    latencies, errors, lock = [], [0], threading.Lock()
    budget = [max_requests if max_requests is not None else float("inf")]

    def worker():
        client = make_client()
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                start = time.perf_counter()
                try:
                    ok = action(client)
                except Exception:  # noqa: BLE001 - counted, the run goes on
                    ok = False
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if ok is False:
                        errors[0] += 1
        finally:
            client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return {"latencies": latencies, "errors": errors[0], "elapsed": time.perf_counter() - started}


# --- /proc ---------------------------------------------------------------------------------


def child_pids(pid):
    """Direct children of a process, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return sorted(children)


def rss_mb(pid):
    """Resident set size of a process in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pss_mb(pid):
    """Proportional set size in MB: shared pages split among the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User + system CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- output --------------------------------------------------------------------------------


def print_table(rows, columns=None, title=None):
    """Print a list of dicts as an aligned text table."""
    if not rows:
        return
    columns = columns or list(rows[0])
    cells = [[str(c) for c in columns]] + [["" if r.get(c) is None else str(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    if title:
        print(f"\n{title}")
    for n, row in enumerate(cells):
        pairs = enumerate(zip(row, widths, strict=True))
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in pairs))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def emit(results, as_json, tables):
    """Print JSON when asked, else each (title, rows, columns) table."""
    if as_json:
        print(json.dumps(results, indent=2, default=str))
        return
    for title, rows, columns in tables:
        print_table(rows, columns, title)
