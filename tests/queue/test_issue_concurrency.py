"""Issuing under real concurrency: 4 client processes against a real gunicorn, 2,500 tickets, no gap, no duplicate."""
import json
import os
import socket
import subprocess
import sys
import textwrap
from collections import defaultdict
from datetime import time

import pytest
from sqlalchemy import select

from bench.common import Server
from kupang.extensions import db
from kupang.queue.models import DailySequence, Ticket

from .core_fixtures import add_service, paired_device

TOTAL = 2500
CLIENTS = 4

# One client process: fetch the kiosk page once (session + CSRF token), then tap services in turn.
CLIENT = textwrap.dedent("""
    import http.client, json, re, sys, uuid
    from urllib.parse import urlencode
    port, token, services, count = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), int(sys.argv[4])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cookies = {"kupang_device": token}
    def send(method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";")[0]
        return response.status, response.headers.get("Location", ""), data
    status, _, page = send("GET", "/kiosk")
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    statuses, locations = {}, []
    for i in range(count):
        form = {"csrf_token": csrf, "service": services[i % len(services)], "priority": "",
                "nonce": uuid.uuid4().hex[:24]}
        status, location, _ = send("POST", "/kiosk/ambil", urlencode(form))
        statuses[status] = statuses.get(status, 0) + 1
        locations.append(location)
    print(json.dumps({"statuses": statuses, "distinct_locations": len(set(locations))}))
""")


def free_local_port():
    """A port nobody listens on at 127.0.0.1 (asked from the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_four_processes_issue_2500_tickets_gap_free(app, instance_dir):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        hours = {"opens_at": time(0, 0), "closes_at": time(23, 59, 59)}
        services = [add_service(name, prefix, **hours)
                    for name, prefix in (("Pengantar KTP/KK", "A"), ("Domisili", "B"), ("SKTM", "C"))]
        _device_id, token = paired_device("kiosk", "Kiosk uji beban")
        db.session.remove()
        db.engine.dispose()
    env = {"KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": str(instance_dir),
           "KUPANG_SECRET_KEY": "concurrency-test-secret"}
    with Server(port=free_local_port(), env=env, workers=2, threads=4) as server:
        server.start(timeout=60)
        # Each process starts on a different service so all three are contended from the first request.
        orders = [",".join(str(s) for s in services[i % 3:] + services[:i % 3]) for i in range(CLIENTS)]
        procs = [subprocess.Popen([sys.executable, "-c", CLIENT, str(server.port), token, orders[i],
                                   str(TOTAL // CLIENTS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env={**os.environ}) for i in range(CLIENTS)]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err[-2000:]
            results.append(json.loads(out))
    for result in results:
        assert result["statuses"] == {"303": TOTAL // CLIENTS}, result
        assert result["distinct_locations"] == TOTAL // CLIENTS
    with app.app_context():
        rows = db.session.execute(select(Ticket.numbered_service_id, Ticket.day, Ticket.number)).all()
        assert len(rows) == TOTAL
        numbers = defaultdict(list)
        for service_id, day, number in rows:
            numbers[(service_id, day)].append(number)
        for key, issued in numbers.items():
            assert sorted(issued) == list(range(1, len(issued) + 1)), key  # exactly 1..N: no gap, no duplicate
            assert db.session.get(DailySequence, key).last_number == len(issued)
        assert {service_id for service_id, _day in numbers} == set(services)
