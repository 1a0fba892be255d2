"""Import benchmark: a 50,000-row .xlsx, .xls and .ods checked and imported through a real gunicorn while clerks
look up NIKs.

    .venv/bin/python bench/bench_import.py [--rows 50000] [--existing 10000] [--clients 2] [--formats xlsx,xls,ods]
                                           [--json]

Measured in one run, on 127.0.0.1 in a scratch folder removed afterwards, for each format on a fresh database
(the .xls and .ods are the same sheet written by LibreOffice: `soffice --headless --convert-to`; the same rows
as .csv are the baseline, the cheapest file to read):
  * check (upload -> preview ready) and import (confirm -> saved) wall time of the 50,000-row file;
  * peak RSS (VmHWM) of each importing worker process, polled from /proc;
  * NIK lookups (/penduduk?q=<NIK>, htmx fragment) p50/p95/max while the import runs, against a
    baseline measured the same way just before the import on the same server and database.
Targets (issues 4 and 10): check + import <= 30 s, peak RSS <= 250 MB, p95 lookup during the import < 50 ms,
for every format.
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    Client,
    Server,
    csrf_token,
    emit,
    free_port,
    prepare_database,
    summary,
)
from kupang.cli import DEMO_PASSWORD  # noqa: E402

PORTS = (8140, 8159)
WORKER_CPU = {}  # (job id, status reached) -> CPU seconds of the worker process, last seen
MAX_IMPORT_SECONDS = 300
HEADER = ["NIK", "No KK", "Nama Lengkap", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Agama",
          "Status Perkawinan", "SHDK", "Pendidikan", "Pekerjaan", "Alamat", "RT", "RW", "Nama Ayah", "Nama Ibu"]
NAMES = ["YOHANES", "MARIA", "AGUSTINUS", "YULIANA", "PETRUS", "MARTHA", "FRANSISKUS", "ELISABETH", "ADRIANUS",
         "KRISTINA", "DOMINGGUS", "SERLY", "MARKUS", "ANTONIA", "YAKOBUS", "NOVITA"]
SURNAMES = ["NDUN", "BRIA", "LAKA", "TALLO", "MESAKH", "BENU", "NOMLENI", "SERAN", "KOLO", "TEFA", "LEO", "MANU"]
SHDK = ["Kepala Keluarga", "Istri", "Anak", "Anak"]


def person(i, occupation="Wiraswasta"):
    """Row i of the synthetic sheet: families of four, valid unique NIKs, dates as Excel date cells."""
    sex = 1 if i % 4 in (0, 2) else 2
    birth = date(1950, 1, 1) + timedelta(days=(i * 37) % 24000)
    day = birth.day + (40 if sex == 2 else 0)
    nik = f"537105{day:02d}{birth.month:02d}{birth.year % 100:02d}{1 + i % 9999:04d}"
    return [nik, f"5371050101{i // 4:06d}", f"{NAMES[i % 16]} {SURNAMES[(i // 16) % 12]} {i}",
            "L" if sex == 1 else "P", "KUPANG", birth, "Kristen", "Kawin" if i % 4 < 2 else "Belum Kawin",
            SHDK[i % 4], "SLTA/sederajat", occupation, f"Jl. Timor Raya No. {i // 4}", f"{1 + (i // 400) % 20:03d}",
            f"{1 + (i // 8000) % 10:03d}", f"AYAH {i}", f"IBU {i}"]


def build_xlsx(path, rows, changed_every=0):
    """Write rows 0..rows-1 (every n-th with another occupation, to become updates)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Penduduk")
    sheet.append(["DATA PENDUDUK KELURAHAN NAIKOTEN DUA"])
    sheet.append(HEADER)
    for i in range(rows):
        occupation = "Guru" if changed_every and i % changed_every == 0 else "Wiraswasta"
        sheet.append(person(i, occupation))
    book.save(path)


def build_csv(path, rows):
    """The same rows as build_xlsx, as the CSV an Indonesian Excel saves (the baseline format)."""
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            values = person(i, "Guru" if i % 10 == 0 else "Wiraswasta")
            values[5] = values[5].strftime("%d/%m/%Y")
            writer.writerow(values)
    return path


def multipart(fields, file_field, filename, data):
    """A multipart/form-data body and its content type."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def cpu_seconds(pid):
    """User + system CPU time of a live process so far (from /proc), or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    """VmHWM (peak resident set) of a live process in MB, or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Lookups:
    """Clerks looking up NIKs back to back (htmx fragment of the search page) until stopped."""

    def __init__(self, port, niks, clients):
        self.port, self.niks, self.clients = port, niks, clients
        self.latencies, self.errors, self.stop = [], 0, threading.Event()
        self.lock = threading.Lock()
        self.threads = []

    def _run(self, seed):
        rng = random.Random(seed)
        client = Client(self.port)
        client.login("petugas1", DEMO_PASSWORD)
        try:
            while not self.stop.is_set():
                nik = rng.choice(self.niks)
                start = time.perf_counter()
                status, _headers, body, _wire = client.get(f"/penduduk?q={nik}", headers={"HX-Request": "true"})
                elapsed = time.perf_counter() - start
                ok = status == 200 and nik[12:].encode() in body
                with self.lock:
                    self.latencies.append(elapsed)
                    self.errors += 0 if ok else 1
                time.sleep(0.05)  # a clerk does not hammer the server
        finally:
            client.close()

    def start(self):
        """Start the clerk threads."""
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.clients)]
        for thread in self.threads:
            thread.start()
        return self

    def finish(self):
        """Stop and return (latencies, errors)."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
        return self.latencies, self.errors


JOB_QUERY = ("SELECT status, worker_pid, error, stage, count_new, count_updated, count_unchanged, count_rejected, "
             "summary FROM import_job WHERE id = {}")


class JobReader:
    """Reads the job row straight from the database (SQLite file or PostgreSQL), as a watcher would."""

    def __init__(self, database):
        self.database = database

    def row(self, job_id):
        """(status, worker_pid, error, stage, counts..., summary) of the job."""
        if self.database.startswith("sqlite:///"):
            conn = sqlite3.connect(f"file:{self.database[len('sqlite:///'):]}?mode=ro", uri=True, timeout=5)
            try:
                return conn.execute(JOB_QUERY.format("?"), (job_id,)).fetchone()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.database.replace("+psycopg", "")) as conn:
            return conn.execute(JOB_QUERY.format("%s"), (job_id,)).fetchone()


def wait_job(jobs, job_id, statuses, previous_pid=None):
    """Poll the job until it reaches a status; returns (seconds, row, peak RSS MB of its worker)."""
    started, peak, pid, cpu = time.perf_counter(), None, None, None
    while time.perf_counter() - started < MAX_IMPORT_SECONDS:
        row = jobs.row(job_id)
        if row[1] and row[1] != previous_pid:
            pid = row[1]
        if pid:
            now = peak_rss_mb(pid)
            peak = now if now is not None else peak
            used = cpu_seconds(pid)
            cpu = used if used is not None else cpu
        if row[0] in statuses:
            WORKER_CPU[job_id, row[0]] = cpu
            return time.perf_counter() - started, row, peak, pid
        time.sleep(0.1)
    raise RuntimeError(f"import job {job_id} did not reach {statuses} within {MAX_IMPORT_SECONDS} s")


def run_import(server, jobs, instance, upload_file):
    """Upload, wait for the check, confirm, wait for the write. Returns timings, counts and peaks."""
    clerk = Client(server.port, timeout=120)
    clerk.login("petugas1", DEMO_PASSWORD)
    token = csrf_token(clerk.get("/penduduk/impor")[2].decode())
    body, content_type = multipart({"csrf_token": token}, "file", upload_file.name, upload_file.read_bytes())
    started = time.perf_counter()
    status, headers, _body, _wire = clerk.request("POST", "/penduduk/impor", body=body,
                                                 headers={"Content-Type": content_type})
    if status != 303:
        raise RuntimeError(f"upload refused: {status}")
    job_url = headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    upload = time.perf_counter() - started
    check_s, row, check_peak, check_pid = wait_job(jobs, job_id, {"ready", "failed"})
    if row[0] != "ready":
        raise RuntimeError(f"check failed: {row[2]}")
    preview = {"new": row[4], "updated": row[5], "unchanged": row[6], "rejected": row[7]}
    token = csrf_token(clerk.get(job_url)[2].decode())
    confirm_started = time.perf_counter()
    status, _headers, _body, _wire = clerk.post_form(job_url + "/konfirmasi", {"csrf_token": token})
    if status != 303:
        raise RuntimeError(f"confirm refused: {status}")
    _waited, row, apply_peak, _pid = wait_job(jobs, job_id, {"done", "failed"}, previous_pid=check_pid)
    apply_s = time.perf_counter() - confirm_started
    if row[0] != "done":
        log = instance / "imports" / f"job-{job_id}" / "worker.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"import failed: {row[2]}\n{tail}")
    clerk.close()
    cpu = [WORKER_CPU.get((job_id, "ready")), WORKER_CPU.get((job_id, "done"))]
    return {"check_cpu_s": round(cpu[0] or 0, 1), "import_cpu_s": round(cpu[1] or 0, 1),
            "upload_s": round(upload, 2), "check_s": round(upload + check_s, 2), "import_s": round(apply_s, 2),
            "total_s": round(upload + check_s + apply_s, 2), "check_peak_rss_mb": round(check_peak or 0, 1),
            "import_peak_rss_mb": round(apply_peak or 0, 1), "preview": preview,
            "write_transaction_s": json.loads(row[8] or "{}").get("write_seconds"),
            "saved": {"new": row[4], "updated": row[5], "unchanged": row[6], "rejected": row[7]}}


def scratch_database(server_url, scratch, suffix=""):
    """(database URL, drop function): a SQLite file in the scratch folder, or a private PostgreSQL database."""
    if not server_url:
        return f"sqlite:///{scratch / 'kupang.db'}", lambda: None
    import psycopg

    name = f"kupang_bench_import_{os.getpid()}{suffix}"
    base, _slash, _db = server_url.rpartition("/")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def report(results, as_json):
    """Print the tables (or JSON)."""
    runs = results["formats"]
    rows = []
    for fmt, run in runs.items():
        rows.append({"format": fmt, "berkas MB": run["file_mb"], "periksa s": run["check_s"],
                     "simpan s": run["import_s"], "total s": run["total_s"],
                     "CPU pekerja s": round(run["check_cpu_s"] + run["import_cpu_s"], 1),
                     "puncak RSS MB": max(run["check_peak_rss_mb"], run["import_peak_rss_mb"]),
                     "transaksi tulis s": run["write_transaction_s"],
                     "cari NIK p95 ms": run["lookup_during_import_ms"]["p95"],
                     "p95 tanpa impor ms": run["lookup_baseline_ms"]["p95"],
                     "baru": run["saved"]["new"], "diperbarui": run["saved"]["updated"],
                     "galat cari": run["lookup_during_import_ms"]["errors"]})
    emit(results, as_json, [
        (f"Impor {results['rows']:,} baris ke {results['database']}".replace(",", ".")
         + " (target: total <= 30 s, puncak <= 250 MB, p95 cari NIK < 50 ms; csv = pembanding)", rows,
         ["format", "berkas MB", "periksa s", "simpan s", "total s", "CPU pekerja s", "puncak RSS MB",
         "transaksi tulis s",
          "cari NIK p95 ms", "p95 tanpa impor ms", "baru", "diperbarui", "galat cari"]),
        ("Mesin", [{"CPU": results["cpus"], "beban rata-rata (1/5/15 menit) sesudahnya":
                    " / ".join(map(str, results["load_average_after"]))}], None),
    ])


def convert(xlsx, fmt, folder):
    """The same sheet written by LibreOffice in another format (not timed)."""
    folder.mkdir(exist_ok=True)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / '.profile'}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(folder), str(xlsx)], check=True, capture_output=True,
                   timeout=900, stdin=subprocess.DEVNULL)
    return folder / f"{xlsx.stem}.{fmt}"


def bench_format(args, scratch, fmt, upload_file, existing):
    """One format on a fresh database: baseline lookups, then lookups while the file is checked and saved."""
    folder = scratch / fmt
    folder.mkdir(exist_ok=True)
    database, drop = scratch_database(args.postgres, folder, suffix=fmt)
    env = {"KUPANG_DATABASE_URL": database, "KUPANG_INSTANCE_PATH": str(folder / "instance"),
           "KUPANG_SECRET_KEY": "bench-import"}
    try:
        prepare_database(env, residents=0)
        subprocess.run([PYTHON, "-m", "flask", "--app", "app", "import-residents", str(existing)], cwd=ROOT,
                       env={**os.environ, **env}, check=True, capture_output=True, timeout=600)
        niks = [person(i)[0] for i in range(args.existing)]
        with Server(port=free_port(*PORTS), env=env, workers=2, threads=4) as server:
            server.start()
            baseline = Lookups(server.port, niks, args.clients).start()
            time.sleep(args.baseline_seconds)
            base_latencies, base_errors = baseline.finish()
            during = Lookups(server.port, niks, args.clients).start()
            result = run_import(server, JobReader(database), folder / "instance", upload_file)
            busy_latencies, busy_errors = during.finish()
    finally:
        drop()
    return {"file_mb": round(upload_file.stat().st_size / 2**20, 2), **result,
            "lookup_baseline_ms": {**summary(base_latencies), "errors": base_errors},
            "lookup_during_import_ms": {**summary(busy_latencies), "errors": busy_errors}}


def main():
    """Run the benchmark for each format and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=10_000, help="residents already stored before the import")
    parser.add_argument("--clients", type=int, default=2, help="clerks looking up NIKs at the same time")
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--formats", default="csv,xlsx,xls,ods",
                        help="comma-separated: csv (the baseline: the same rows as plain text), xlsx, xls, ods")
    parser.add_argument("--postgres", default="", help="server URL (postgresql://user@127.0.0.1/db): "
                        "runs on private scratch databases there instead of SQLite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    formats = [fmt.strip() for fmt in args.formats.split(",") if fmt.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="kupang-bench-import-"))
    try:
        existing = scratch / "awal.xlsx"
        build_xlsx(existing, args.existing)
        xlsx = scratch / "penduduk-50rb.xlsx"
        build_xlsx(xlsx, args.rows, changed_every=10)
        files = {fmt: xlsx if fmt == "xlsx" else build_csv(scratch / "penduduk-50rb.csv", args.rows) if fmt == "csv"
                 else convert(xlsx, fmt, scratch / f"lo-{fmt}") for fmt in formats}
        runs = {fmt: bench_format(args, scratch, fmt, files[fmt], existing) for fmt in formats}
        results = {
            "database": "postgresql" if args.postgres else "sqlite", "rows": args.rows,
            "existing_residents": args.existing, "formats": runs,
            "targets": {"total_s": 30, "peak_rss_mb": 250, "lookup_p95_ms": 50},
            "load_average_after": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count(),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
