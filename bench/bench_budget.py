"""The Pi-class budget: a 2-minute office morning against the shipped gunicorn config, the server alone in a
cgroup limited to half a core (cfs quota 50000 of 100000 us) and 1 GiB of memory.

Load (all from this process, outside the cgroup): 3 kiosks issuing tickets, 4 clerks calling, starting and
finishing tickets, 1 clerk searching the registry, opening residents and revealing a NIK, 3 displays polling
/layar/status every second. Targets: 0 errors; every clerk and kiosk action p95 <= 100 ms and p99 <= 300 ms;
peak memory of the whole stack (sum of PSS in the cgroup) < 300 MB. cgroup v1 and v2 are handled; where
neither can be created the run goes on unconfined and says so.

Usage: .venv/bin/python bench/bench_budget.py [--seconds 120] [--residents 8000] [--json]
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PORTS = (8240, 8259)
TARGET_P95_MS, TARGET_P99_MS, TARGET_PEAK_MB = 100, 300, 300
PASSWORD = "Bench-Budget-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- cgroup ---------------------------------------------------------------------------------------


class Cgroup:
    """A cgroup (v2, else v1 cpu + memory) limiting CPU to half a core and memory to 1 GiB."""

    def __init__(self, name, quota_us=50000, period_us=100000, memory=1024 ** 3):
        self.name, self.paths, self.version = name, [], None
        base = Path("/sys/fs/cgroup")
        try:
            if (base / "cgroup.controllers").exists():
                path = base / name
                path.mkdir()
                (base / "cgroup.subtree_control").write_text("+cpu +memory")
                (path / "cpu.max").write_text(f"{quota_us} {period_us}")
                (path / "memory.max").write_text(str(memory))
                self.paths, self.version = [path], 2
            elif (base / "cpu" / "cpu.cfs_quota_us").exists():
                cpu, mem = base / "cpu" / name, base / "memory" / name
                cpu.mkdir()
                mem.mkdir()
                (cpu / "cpu.cfs_period_us").write_text(str(period_us))
                (cpu / "cpu.cfs_quota_us").write_text(str(quota_us))
                (mem / "memory.limit_in_bytes").write_text(str(memory))
                self.paths, self.version = [cpu, mem], 1
        except OSError as error:
            self.error = str(error)
            self.remove()
            self.paths, self.version = [], None

    def enter_command(self):
        """Shell text that moves the shell into the cgroup before it execs the server."""
        return " ".join(f"echo $$ > {p}/cgroup.procs;" for p in self.paths)

    def pids(self):
        """Processes in the cgroup."""
        if not self.paths:
            return []
        text = (self.paths[-1] / "cgroup.procs").read_text()
        return [int(p) for p in text.split()]

    def peak_bytes(self):
        """The kernel's peak memory of the cgroup (page cache included), or None."""
        if not self.paths:
            return None
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        path = self.paths[-1] / name
        return int(path.read_text()) if path.exists() else None

    def remove(self):
        """Remove the cgroup directories (the server must have exited)."""
        for path in getattr(self, "paths", []):
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


# --- data -----------------------------------------------------------------------------------------


def prepare(database_url, folder, residents):
    """Migrate and seed; all services open all day, 4 counters, 5 clerks, 3 kiosks and 3 displays paired."""
    env = {"KUPANG_DATABASE_URL": database_url, "KUPANG_INSTANCE_PATH": str(folder), "KUPANG_SECRET_KEY": "bench"}
    common.prepare_database(env, residents)
    from kupang import create_app
    from kupang.auth.accounts import create_user
    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.queue.devices import create_device, pair_device
    from kupang.queue.models import Counter, Service

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"})
    with app.app_context(), write_intent():
        db.session.commit()
        services = db.session.scalars(db.select(Service)).all()
        for service in services:
            service.opens_at, service.closes_at, service.daily_cap = clock_time(0, 0), clock_time(23, 59, 59), None
        counters = db.session.scalars(db.select(Counter).order_by(Counter.number)).all()
        for number in range(len(counters) + 1, 5):
            counters.append(Counter(number=number, name=f"Loket {number}", active=True))
            db.session.add(counters[-1])
        for counter in counters:
            counter.active, counter.services = True, list(services)
        for i in range(1, 6):
            create_user(f"bench{i}", "clerk", PASSWORD, must_change=False)
        db.session.commit()
        tokens = {"kiosk": [], "display": []}
        for kind in tokens:
            for i in range(3):
                _device, code = create_device(kind, f"{kind} {i}", None)
                db.session.commit()
                tokens[kind].append(pair_device(code)[1])
                db.session.commit()
        service_ids = [s.id for s in services if s.active]
        counter_ids = [c.id for c in counters[:4]]
        db.engine.dispose()
    return tokens, service_ids, counter_ids


# --- actors ---------------------------------------------------------------------------------------


class Recorder:
    """Latencies and errors per action, thread-safe."""

    def __init__(self):
        self.lock, self.data, self.errors = threading.Lock(), {}, {}

    def timed(self, name, call, ok=lambda status: status < 400):
        """Run call() -> (status, ...), record its latency and whether it was an error; returns its result."""
        start = time.perf_counter()
        try:
            result = call()
            good = ok(result[0])
        except Exception:  # noqa: BLE001 - a failed request is an error of the run, not of the bench
            result, good = None, False
        elapsed = time.perf_counter() - start
        with self.lock:
            self.data.setdefault(name, []).append(elapsed)
            if not good:
                self.errors[name] = self.errors.get(name, 0) + 1
        return result


def csrf(client, path):
    """The CSRF token of a page."""
    body = client.get(path)[2].decode(errors="replace")
    match = CSRF_RE.search(body)
    return match.group(1) if match else ""


def kiosk_actor(port, token, services, rec, stop, rng, ready):
    """A kiosk: a tap every 4-10 s on a random service (from when the office opens: `ready`)."""
    client = common.Client(port, gzip_ok=False, timeout=30)
    client.cookies["kupang_device"] = token
    form_csrf = csrf(client, "/kiosk")
    ready.wait()
    stop.wait(rng.uniform(0, 4))  # residents arrive spread out, not all at the opening second
    while not stop.is_set():
        rec.timed("kiosk: ambil nomor", lambda: client.post_form("/kiosk/ambil", {
            "csrf_token": form_csrf, "service": str(rng.choice(services)), "priority": "",
            "nonce": f"{rng.getrandbits(64):016x}"}), ok=lambda s: s in (200, 303))
        stop.wait(rng.uniform(4, 10))
    client.close()


def clerk_actor(port, username, counter_id, rec, stop, rng, ready):
    """A counter clerk: call next, start, finish, with a short service time; waits when nobody is queued.

    The clerk logs in and opens the counter before the doors open (`ready`), as an office does at 07:30: the
    logins' Argon2 hashing is not inside the measured morning.
    """
    client = common.Client(port, gzip_ok=False, timeout=30)
    client.login(username, PASSWORD)
    token = csrf(client, "/loket")
    client.post_form("/loket/buka", {"csrf_token": token, "counter_id": str(counter_id)})
    hx = {"HX-Request": "true"}
    ready.wait()
    stop.wait(rng.uniform(0, 4))
    while not stop.is_set():
        result = rec.timed("loket: panggil berikutnya", lambda: client.post_form(
            "/loket/aksi/panggil", {"csrf_token": token}, headers=hx))
        match = re.search(r'name="ticket_id" value="(\d+)"', result[2].decode(errors="replace")) if result else None
        if not match:
            stop.wait(rng.uniform(2, 4))
            continue
        ticket = match.group(1)
        stop.wait(rng.uniform(1, 3))
        rec.timed("loket: mulai layani", lambda t=ticket: client.post_form(
            "/loket/aksi/mulai", {"csrf_token": token, "ticket_id": t}, headers=hx))
        stop.wait(rng.uniform(5, 15))
        rec.timed("loket: selesai", lambda t=ticket: client.post_form(
            "/loket/aksi/selesai", {"csrf_token": token, "ticket_id": t, "resident_id": "", "note": ""},
            headers=hx))
    client.close()


def registry_actor(client, token, rec, stop, rng):
    """The registry clerk: search by name, open a resident, reveal the NIK (audited)."""
    for query in ("maria", "yohanes", "bria", "ndun", "lay", "tefa", "benu", "ana"):
        if stop.is_set():
            break
        result = rec.timed("penduduk: cari", lambda q=query: client.get(f"/penduduk?q={q}",
                                                                          headers={"HX-Request": "true"}))
        ids = re.findall(r'href="/penduduk/(\d+)"', result[2].decode(errors="replace")) if result else []
        if ids:
            resident = rng.choice(ids)
            rec.timed("penduduk: buka", lambda r=resident: client.get(f"/penduduk/{r}"))
            rec.timed("penduduk: tampilkan NIK", lambda r=resident: client.post_form(
                f"/penduduk/{r}/tampilkan-nik", {"csrf_token": token}, headers={"HX-Request": "true"}))
        stop.wait(rng.uniform(3, 6))
        if query == "ana":
            query = "maria"


def registry_loop(port, rec, stop, rng, ready):
    """Keep the registry clerk (logged in before the doors open) busy for the whole run."""
    client = common.Client(port, gzip_ok=False, timeout=30)
    client.login("bench5", PASSWORD)
    token = csrf(client, "/penduduk")
    ready.wait()
    stop.wait(rng.uniform(0, 4))
    while not stop.is_set():
        registry_actor(client, token, rec, stop, rng)
    client.close()


def display_actor(port, token, rec, stop, ready):
    """A TV: poll /layar/status every second with the board's token."""
    client = common.Client(port, gzip_ok=True, timeout=30)
    client.cookies["kupang_device"] = token
    body = client.get("/layar")[2].decode(errors="replace")
    match = re.search(r'data-token="([^"]*)"', body)
    version = match.group(1) if match else ""
    ready.wait()
    while not stop.is_set():
        result = rec.timed("layar: cek status", lambda v=version: client.get(f"/layar/status?v={v}",
                                                                  headers={"HX-Request": "true"}),
                           ok=lambda s: s in (200, 204))
        if result and result[0] == 200:
            found = re.search(r'data-token="([^"]*)"', result[2].decode(errors="replace"))
            version = found.group(1) if found else version
        stop.wait(1.0)
    client.close()


# --- run ------------------------------------------------------------------------------------------


def pss_total(pids):
    """Sum of PSS (MB) of the processes."""
    return sum(common.pss_mb(pid) or 0 for pid in pids)


def run(args):
    """Prepare, start the confined server, run the morning, return the results."""
    folder = Path(tempfile.mkdtemp(prefix="kupang-budget-"))
    url = f"sqlite:///{folder / 'kupang.db'}"
    tokens, services, counters = prepare(url, folder, args.residents)
    port = common.free_port(*PORTS)
    group = Cgroup(f"kupang-budget-{os.getpid()}")
    env = {**os.environ, "KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": str(folder),
           "KUPANG_SECRET_KEY": "bench", "KUPANG_BIND": f"127.0.0.1:{port}", "KUPANG_LOG_LEVEL": "warning",
           "KUPANG_BACKUP_ON_START": "0"}
    command = f"{group.enter_command()} exec {common.GUNICORN} -c gunicorn.conf.py app:app"
    server = common.Server(port=port, env=env)
    server.started_at = time.perf_counter()
    server.proc = subprocess.Popen(["sh", "-c", command], cwd=common.ROOT, env=server.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    server.log = open(os.devnull, "w")  # noqa: SIM115 - closed by server.stop()
    rec, stop, peak = Recorder(), threading.Event(), [0.0]
    try:
        common.wait_ready(server, 60)
        rng = random.Random(2026)
        # Every actor gets ready (logins, counters opened, pages loaded), then the morning starts at once.
        ready = threading.Barrier(len(tokens["kiosk"]) + len(counters) + 1 + len(tokens["display"]) + 1,
                                  timeout=300)
        actors = [threading.Thread(target=kiosk_actor, args=(port, t, services, rec, stop, random.Random(i), ready))
                  for i, t in enumerate(tokens["kiosk"])]
        actors += [threading.Thread(target=clerk_actor, args=(port, f"bench{i + 1}", c, rec, stop, random.Random(
            10 + i), ready)) for i, c in enumerate(counters)]
        actors += [threading.Thread(target=registry_loop, args=(port, rec, stop, rng, ready))]
        actors += [threading.Thread(target=display_actor, args=(port, t, rec, stop, ready))
                   for t in tokens["display"]]

        def sample():
            while not stop.is_set():
                pids = group.pids() or [server.proc.pid, *server.worker_pids()]
                peak[0] = max(peak[0], pss_total(pids))
                stop.wait(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        for thread in [*actors, sampler]:
            thread.daemon = True
            thread.start()
        ready.wait()
        stop.wait(min(args.seconds, common.MAX_SECONDS))
        stop.set()
        for thread in actors:
            thread.join(timeout=60)
        cgroup_peak = group.peak_bytes()
    finally:
        stop.set()
        server.stop()
        group.remove()
        shutil.rmtree(folder, ignore_errors=True)
    return summarise(rec, peak[0], cgroup_peak, group, args.seconds)


def summarise(rec, pss_peak, cgroup_peak, group, seconds):
    """Per-action rows and the verdicts."""
    rows = []
    for name, values in sorted(rec.data.items()):
        p95, p99 = common.percentile(values, 95) * 1000, common.percentile(values, 99) * 1000
        staff = not name.startswith("layar")
        rows.append({"action": name, "n": len(values), "errors": rec.errors.get(name, 0),
                     "median_ms": round(common.percentile(values, 50) * 1000, 1), "p95_ms": round(p95, 1),
                     "p99_ms": round(p99, 1), "max_ms": round(max(values) * 1000, 1),
                     "target": "ok" if not staff or (p95 <= TARGET_P95_MS and p99 <= TARGET_P99_MS) else "MISS"})
    errors = sum(rec.errors.values())
    return {"seconds": seconds, "cgroup": f"v{group.version}" if group.version else "none (not confined)",
            "requests": sum(len(v) for v in rec.data.values()), "errors": errors, "actions": rows,
            "peak_pss_mb": round(pss_peak, 1),
            "cgroup_peak_mb": round(cgroup_peak / 1024 ** 2, 1) if cgroup_peak else None,
            "targets_met": errors == 0 and all(r["target"] == "ok" for r in rows) and pss_peak < TARGET_PEAK_MB}


def main():
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args)
    if not args.json:
        print(f"cgroup: {results['cgroup']} (half a core, 1 GiB); {results['requests']} requests, "
              f"{results['errors']} errors in {results['seconds']:.0f} s")
    summary = [{"what": "peak memory of the stack (PSS sum)", "MB": results["peak_pss_mb"],
                "target": f"< {TARGET_PEAK_MB}"},
               {"what": "cgroup peak (page cache included)", "MB": results["cgroup_peak_mb"], "target": ""}]
    common.emit(results, args.json, [
        ("Pagi kantor: aksi petugas dan kiosk (target p95 <= 100 ms, p99 <= 300 ms)", results["actions"], None),
        ("Memori", summary, None)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
