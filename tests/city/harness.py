"""The feed's fault harness: a city gunicorn on its own PostgreSQL database, offices on their own SQLite
files, and a small TCP proxy between them that drops, delays, duplicates, replays and cuts deliveries.

`verify()` is the check after every scenario: with the link healed every office drains, the city's copy
equals each office's fed tables row for row (per-table checksums computed the same way on both sides), no
change was applied twice (a log trigger on the city's feed_row, installed only in the harness's database),
and the office's ticket and letter numbers are what they were.
"""
import collections
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from kupang.city.feed.pairing import pair_office
from kupang.city.feed.push import push_once
from kupang.city.feed.rows import city_checksums, office_checksums
from kupang.city.models import CityOffice, FeedState
from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.issuing import issue_letter
from kupang.letters.models import Letter
from kupang.queue.models import Service, Ticket
from kupang.queue.numbering import issue_ticket
from kupang.registry.models import Family, Resident, ResidentEvent
from kupang.survey.models import SurveyResponse
from tests.concurrency import ROOT, Gunicorn
from tests.conftest import build_app, migrate
from tests.letters.fixtures import draft, letters_office
from tests.queue.core_fixtures import add_service
from tests.registry.family_fixtures import nik_for

DEADLINE = 30  # seconds any single wait of the harness may take
APPLY_LOG = """
CREATE TABLE harness_apply_log (office_code text, table_name text, row_id bigint, seq bigint);
CREATE FUNCTION harness_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO harness_apply_log VALUES (NEW.office_code, NEW.table_name, NEW.row_id, NEW.seq);
    RETURN NEW;
END $$;
CREATE TRIGGER harness_log AFTER INSERT OR UPDATE ON feed_row FOR EACH ROW EXECUTE FUNCTION harness_log();
"""


# --- the proxy ------------------------------------------------------------------------------------------

def read_request(conn):
    """One whole HTTP request (headers and Content-Length body) from a socket, or None when it ends early."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def read_to_end(sock):
    """Everything the peer sends until it closes."""
    parts = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of the city; each connection takes the next planned action.

    Actions: ("pass",), ("drop_request",) (half the request reaches the city, then both sides are closed),
    ("drop_response",) (the city answers, the office gets half of it), ("delay", seconds), ("duplicate",)
    (the same bytes delivered again at once on a second connection), ("hold",) (wait for release()).
    `cut = True` closes every connection at once (the link is down). Every whole request is kept, so an old
    one can be replayed later.
    """

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.actions = collections.deque()
        self.requests = []
        self.received = threading.Event()
        self.released = threading.Event()
        self.cut = False
        self._stop = threading.Event()
        self._threads = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self):
        """The address offices push to."""
        return f"http://127.0.0.1:{self.port}"

    def plan(self, *actions):
        """Queue actions for the next connections (then: pass)."""
        self.actions.extend(actions)

    def release(self):
        """Let a held request go on to the city."""
        self.released.set()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def deliver(self, request):
        """Send request bytes to the city on a new connection; its whole answer."""
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=DEADLINE) as upstream:
            upstream.sendall(request)
            return read_to_end(upstream)

    def replay(self, index):
        """Deliver an earlier request again (an old batch arriving late); the city's answer bytes."""
        return self.deliver(self.requests[index])

    def _handle(self, conn):
        with contextlib.closing(conn):
            conn.settimeout(DEADLINE)
            if self.cut:
                return
            action = self.actions.popleft() if self.actions else ("pass",)
            request = read_request(conn)
            if request is None:
                return
            self.requests.append(request)
            self.received.set()
            kind = action[0]
            if kind == "drop_request":
                with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=DEADLINE) as upstream:
                    upstream.sendall(request[: len(request) // 2])
                return
            if kind == "delay":
                time.sleep(action[1])
            if kind == "hold":
                self.released.wait(DEADLINE)
            if kind == "duplicate":
                twin = threading.Thread(target=self.deliver, args=(request,), daemon=True)
                twin.start()
                self._threads.append(twin)
            try:
                answer = self.deliver(request)
            except OSError:
                return  # the city is gone: the office sees the connection close
            with contextlib.suppress(OSError):  # the office may have given up (a timeout, kill -9)
                conn.sendall(answer[: len(answer) // 2] if kind == "drop_response" else answer)

    def idle(self):
        """Wait until every connection handled so far is finished."""
        for thread in list(self._threads):
            thread.join(DEADLINE)

    def close(self):
        """Stop accepting and wait for the connections in flight."""
        self._stop.set()
        self._accepting.join(DEADLINE)
        self.listener.close()
        self.idle()


# --- the city -------------------------------------------------------------------------------------------

class City:
    """The city server: its own PostgreSQL database, a gunicorn with KUPANG_ROLE=city, an app for checks."""

    def __init__(self, server_url, work_dir):
        self.work_dir = Path(work_dir)
        server = make_url(server_url)
        self.name = f"kupang_city_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
        self.url = server.set(drivername="postgresql+psycopg", database=self.name).render_as_string(
            hide_password=False)
        self.instance = self.work_dir / "city-instance"
        self.server = None
        self.app = None

    def create(self):
        """Create, migrate and instrument the database; start gunicorn."""
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.instance.mkdir(parents=True, exist_ok=True)
        migrate(build_app(self.url, self.instance))
        with psycopg.connect(self.psycopg_dsn(), autocommit=True) as conn:
            conn.execute(APPLY_LOG)
        self.app = build_app(self.url, self.instance, ROLE="city")
        self.start()
        return self

    def psycopg_dsn(self):
        """A plain psycopg DSN of the city's database."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def start(self):
        """Start (or restart) the city's gunicorn."""
        self.server = Gunicorn(self.url, self.instance, self.work_dir / f"city-{time.monotonic_ns()}.log",
                               env={"KUPANG_ROLE": "city"}).start()
        return self.server

    def pair(self, code):
        """Pair an office; its token."""
        with self.app.app_context(), write_intent():
            _office, token = pair_office(code)
            db.session.commit()
        return token

    def checksums(self, code):
        """The city's per-table (count, digest) of one office's rows."""
        with self.app.app_context():
            sums = city_checksums(code)
            db.session.rollback()
        return sums

    def applied(self, code):
        """The office's applied_seq at the city."""
        with self.app.app_context():
            value = db.session.scalar(select(CityOffice.applied_seq).where(CityOffice.code == code))
            db.session.rollback()
        return value

    def applied_twice(self):
        """(office, table, row, seq) applied more than once, per the log trigger."""
        with self.app.app_context():
            rows = db.session.execute(text(
                "SELECT office_code, table_name, row_id, seq FROM harness_apply_log "
                "GROUP BY office_code, table_name, row_id, seq HAVING count(*) > 1")).all()
            db.session.rollback()
        return [tuple(row) for row in rows]

    def drop(self):
        """Stop gunicorn and drop the database."""
        import psycopg

        if self.server is not None and self.server.proc is not None:
            self.server.stop()
        if self.app is not None:
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- an office ------------------------------------------------------------------------------------------

class Office:
    """A kelurahan office: its own SQLite file and instance folder, pushing to the proxy."""

    def __init__(self, code, template, work_dir, city_url, token):
        self.code = code
        self.dir = Path(work_dir) / f"office-{code}"
        self.dir.mkdir(parents=True)
        self.db_path = self.dir / "kupang.db"
        shutil.copy(template, self.db_path)
        self.city_url, self.token = city_url, token
        self.app = build_app(f"sqlite:///{self.db_path}", self.dir, KELURAHAN_CODE=code, CITY_URL=city_url,
                             CITY_TOKEN=token, RATELIMIT_FILE=str(self.dir / "ratelimit.sqlite3"))
        self.serial = 0

    def push(self):
        """One push_once in this process; its PushResult."""
        with self.app.app_context():
            return push_once()

    def drain(self, tries=40):
        """Push until nothing waits (the link healed); the last PushResult."""
        result = None
        for _ in range(tries):
            result = self.push()
            if result.status == "idle":
                return result
        raise AssertionError(f"office {self.code} did not drain: {result}")

    def pusher_process(self):
        """`flask city-feed --once` as a subprocess of its own (to be killed -9)."""
        env = {**os.environ, "KUPANG_DATABASE_URL": f"sqlite:///{self.db_path}", "KUPANG_INSTANCE_PATH": str(self.dir),
               "KUPANG_KELURAHAN": self.code, "KUPANG_CITY_URL": self.city_url, "KUPANG_CITY_TOKEN": self.token,
               "KUPANG_SECRET_KEY": "harness"}
        return subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "app", "city-feed", "--once"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def fill(self, families=15, tickets=30, letters=4):
        """A few hundred rows in every fed table (residents in families, events, tickets, letters, answers)."""
        app, code = self.app, self.code
        with app.app_context():
            service_id = add_service(prefix="A")
            with write_intent():
                family_ids = []
                for n in range(families):
                    family = Family(kk_number=f"5371{code[-4:]}{n:08d}", rt=f"{n % 9 + 1:03d}", rw="001",
                                    kelurahan_code=code)
                    db.session.add(family)
                    db.session.flush()
                    family_ids.append(family.id)
                rows = []
                for n in range(families * 5):
                    born = date(1960 + n % 40, n % 12 + 1, n % 27 + 1)
                    self.serial += 1
                    rows.append({"name": f"Warga {code} {n}", "sex": n % 2 + 1, "birth_date": born,
                                 "nik": nik_for(born, n % 2 + 1, self.serial), "kelurahan_code": code,
                                 "family_id": family_ids[n // 5], "shdk": 1 if n % 5 == 0 else 4, "citizenship": 1,
                                 "life_status": "hidup", "version": 1, "has_warnings": False, "phone": ""})
                db.session.execute(insert(Resident.__table__), rows)  # Core bulk, as the importer writes
                ids = db.session.scalars(select(Resident.id).order_by(Resident.id)).all()
                for n, resident_id in enumerate(ids[:10]):
                    db.session.add(ResidentEvent(resident_id=resident_id, kind="pindah_datang",
                                                 event_date=date(2026, 1, n + 1), note=""))
                service = db.session.get(Service, service_id)
                for _ in range(tickets):
                    issue_ticket(service)
                for n in range(5):
                    db.session.add(SurveyResponse(kelurahan_code=code, day=date(2026, 11, n + 1), channel="tablet",
                                                  **{f"u{i}": 3 for i in range(1, 10)}))
                db.session.commit()
        types, signatory = letters_office(app)
        title = next(iter(types))
        for n in range(letters):
            letter_id = draft(app, title, ids[n])
            if n % 2 == 0:
                with app.app_context(), write_intent():
                    issue_letter(db.session.get(Letter, letter_id), version=0, signatory_id=signatory, user=None)
                    db.session.commit()
        return ids

    def edit(self, rounds=1):
        """A morning's work: residents edited, a ticket issued, an event removed."""
        with self.app.app_context(), write_intent():
            for _ in range(rounds):
                self.serial += 1
                db.session.execute(text("UPDATE resident SET phone = :p WHERE id % 7 = :r"),
                                   {"p": f"08{self.serial:09d}", "r": self.serial % 7})
                issue_ticket(db.session.scalars(select(Service)).first())
                db.session.execute(text("DELETE FROM resident_event WHERE id = (SELECT min(id) FROM resident_event)"))
            db.session.commit()

    def checksums(self):
        """The office's per-table (count, digest) of its fed tables."""
        with self.app.app_context():
            sums = office_checksums()
            db.session.rollback()
        return sums

    def numbers(self):
        """Ticket and letter numbers as the office gave them."""
        with self.app.app_context():
            tickets = db.session.execute(select(Ticket.id, Ticket.day, Ticket.code, Ticket.number)
                                         .order_by(Ticket.id)).all()
            letters = db.session.execute(select(Letter.id, Letter.number, Letter.seq_year, Letter.seq_key,
                                                Letter.seq_value).order_by(Letter.id)).all()
            db.session.rollback()
        return [tuple(t) for t in tickets], [tuple(x) for x in letters]

    def acked(self):
        """The seq the office believes the city has."""
        with self.app.app_context():
            value = db.session.scalar(select(FeedState.acked_seq).where(FeedState.id == 1)) or 0
            db.session.rollback()
        return value

    def close(self):
        """Release the database."""
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def verify(city, proxy, offices, numbers):
    """The check after a scenario: the link healed, every office drained and equal to the city's copy."""
    proxy.cut = False
    proxy.actions.clear()
    proxy.release()
    for office in offices:
        office.drain()
    proxy.idle()
    for office in offices:
        assert office.checksums() == city.checksums(office.code), office.code
        assert office.acked() == city.applied(office.code)
        assert office.numbers() == numbers[office.code], office.code
    assert city.applied_twice() == []
