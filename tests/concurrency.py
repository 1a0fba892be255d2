"""Real gunicorn for concurrency tests, and requests fired at the same instant.

Use the `gunicorn` fixture (from conftest) for a server on the test's database, `logged_in()` for a
cookie-keeping client, `twin()` for a second connection in the same session, and `at_once()` to send
two (or more) identical requests released by one barrier: a double click, as a browser would send it.
"""
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import Client, csrf_token

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    """A free TCP port on 127.0.0.1 (asked from the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn (the project's gunicorn.conf.py) serving app:app on the given database."""

    def __init__(self, db_url, instance_dir, log_path, workers=2, threads=4, env=None):
        self.port = free_port()
        self.log_path = Path(log_path)
        self.env = {**os.environ, "KUPANG_DATABASE_URL": db_url, "KUPANG_INSTANCE_PATH": str(instance_dir),
                    "KUPANG_BIND": f"127.0.0.1:{self.port}", "KUPANG_WORKERS": str(workers),
                    "KUPANG_THREADS": str(threads), "KUPANG_LOG_LEVEL": "warning",
                    "KUPANG_SECRET_KEY": "concurrency-test", **(env or {})}
        self.proc = None

    @property
    def url(self):
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        """Spawn gunicorn and wait for /healthz to answer 200."""
        self._log = open(self.log_path, "w+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                      "app:app"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=self._log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status in (200, 503):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)

    def log(self):
        """What gunicorn wrote to stderr so far."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self):
        """SIGTERM the process group, SIGKILL after 20 s."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        self._log.close()

    def kill9(self):
        """SIGKILL master and workers at once (a power cut, as far as the database can tell)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._log.close()
        self.proc = None

    def client(self):
        """A new cookie-keeping keep-alive client for this server."""
        return Client(self.port, gzip_ok=False, timeout=60)

    def logged_in(self, username, password):
        """A client logged in as username (asserts the login succeeded)."""
        client = self.client()
        status = client.login(username, password)
        assert status == 302, f"login of {username} answered {status}"
        return client


def twin(client):
    """A second connection that shares the client's session cookies (another tab, a double click)."""
    other = Client(client.port, gzip_ok=client.gzip_ok, timeout=client.timeout)
    other.cookies = dict(client.cookies)
    return other


def page_csrf(client, path):
    """GET a page and return the CSRF token in it."""
    _status, _headers, body, _wire = client.get(path)
    return csrf_token(body.decode())


def at_once(calls):
    """Run the zero-argument callables in threads released together; their results in order.

    An exception in a call is returned in its place, so a test can assert on it.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def double_submit(client, path, fields, headers=None):
    """The same form posted twice at the same instant in one session; the two (status, body) pairs."""
    second = twin(client)

    def post(c):
        status, _headers, body, _wire = c.post_form(path, fields, headers=headers)
        return status, body.decode(errors="replace")

    return at_once([lambda: post(client), lambda: post(second)])
