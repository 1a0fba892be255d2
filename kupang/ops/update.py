"""`make update`: back up, fetch the new version, install its pinned packages, migrate, restart, check
/healthz, and put the previous code and database back when any step fails.

Run from the installed checkout as `python -m kupang.ops.update [--source REMOTE|BUNDLE-DIR] [--ref main]`.
The database is also copied plainly into instance/ (0600) before the update, because rolling back must not
need the backup passphrase; the copy is removed after a successful update.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class UpdateError(RuntimeError):
    """A step that failed; the message is Indonesian."""


def say(message):
    """Progress for the person running the update."""
    print(message, flush=True)


def run(argv, step, env=None):
    """Run a command in the checkout; UpdateError naming the step when it fails."""
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UpdateError(f"{step} gagal: {(done.stderr or done.stdout).strip()[-1500:]}")
    return done.stdout.strip()


def git(*args, step="git"):
    """A git command in the checkout."""
    return run(["git", *args], step)


def venv_bin(name):
    """A program of the checkout's venv."""
    return str(ROOT / ".venv" / "bin" / name)


def app_settings():
    """(database URL, instance folder) of the installed app, read by its own code."""
    out = run([venv_bin("python"), "-c", "import json; from kupang import create_app; a = create_app(); "
               "print(json.dumps([a.config['SQLALCHEMY_DATABASE_URI'], a.instance_path]))"], "Membaca pengaturan")
    url, instance = json.loads(out.splitlines()[-1])
    return url, Path(instance)


def snapshot_database(url, instance):
    """A plain copy of the database in instance/ for the rollback; returns its path."""
    from .snapshot import copy_sqlite, dump_postgres

    suffix = ".db" if url.startswith("sqlite") else ".dump"
    target = instance / f"sebelum-update-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"
    if url.startswith("sqlite"):
        copy_sqlite(url, target)
    else:
        dump_postgres(url, target)
    return target


def put_back_database(url, copy):
    """Replace the database with the pre-update copy (the service is stopped)."""
    from .snapshot import libpq_url, pg_tool, server_major, sqlite_file

    if url.startswith("sqlite"):
        live = Path(sqlite_file(url))
        failed = live.with_name(f"{live.name}.gagal-update-{time.strftime('%Y%m%d-%H%M%S')}")
        if live.exists():
            os.replace(live, failed)
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        shutil.copy2(copy, live)
        os.chmod(live, 0o600)
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        major = server_major(conn)
    engine.dispose()
    run([pg_tool("pg_restore", major), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--dbname", libpq_url(url), str(copy)], "Memulihkan basis data")


def healthy(url, seconds):
    """True when /healthz answers 200 within the time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - a local health URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def shell(command, step):
    """Run a configured shell command (stop/start the service)."""
    if command:
        run(["sh", "-c", command], step)


def parse(argv):
    """Command-line options."""
    systemd = Path("/run/systemd/system").is_dir()
    parser = argparse.ArgumentParser(description="Perbarui kupang dengan aman (cadangan dulu, kembali bila gagal).")
    parser.add_argument("--source", default="origin", help="git remote, folder, atau berkas bundle git")
    parser.add_argument("--ref", default="main", help="cabang atau tag yang dipasang")
    parser.add_argument("--wheels", help="folder wheel (dari bundle) untuk pip --no-index")
    parser.add_argument("--stop-cmd", default="systemctl stop kupang" if systemd else "")
    parser.add_argument("--start-cmd", default="systemctl start kupang" if systemd else "")
    port = os.environ.get("KUPANG_BIND", ":8000").rpartition(":")[2] or "8000"
    parser.add_argument("--health-url", default=f"http://127.0.0.1:{port}/healthz")
    parser.add_argument("--health-seconds", type=int, default=60)
    parser.add_argument("--skip-backup", action="store_true", help="tanpa cadangan terenkripsi (tidak disarankan)")
    return parser.parse_args(argv)


def install_and_migrate(options):
    """pip install the pinned packages, then flask init-db, with the code now checked out."""
    pip = [venv_bin("pip"), "install", "--disable-pip-version-check", "-q", "-r", "requirements.txt"]
    if options.wheels:
        pip += ["--no-index", "--find-links", options.wheels]
    say("Memasang paket yang disematkan ...")
    run(pip, "Pemasangan paket")
    say("Menerapkan migrasi basis data ...")
    run([venv_bin("flask"), "--app", "app", "init-db"], "Migrasi basis data")


def update(options):
    """The whole update; returns 0 when the new version runs, 1 when it was rolled back."""
    if git("status", "--porcelain", "--untracked-files=no"):
        raise UpdateError("Ada perubahan lokal pada kode; pembaruan dibatalkan (tidak ada yang diubah).")
    old = git("rev-parse", "HEAD")
    say(f"Versi sekarang: {old[:12]}")
    git("fetch", "--quiet", options.source, options.ref, step="Mengambil versi baru")
    new = git("rev-parse", "FETCH_HEAD")
    if new == old:
        say("Sudah versi terbaru; tidak ada yang diubah.")
        return 0
    if not options.skip_backup:
        say("Mencadangkan (terenkripsi) sebelum memperbarui ...")
        run([venv_bin("flask"), "--app", "app", "backup", "--trigger", "update"], "Pencadangan sebelum pembaruan")
    url, instance = app_settings()
    copy = snapshot_database(url, instance)
    say(f"Salinan untuk kembali: {copy}")
    try:
        shell(options.stop_cmd, "Menghentikan layanan")
        git("merge", "--ff-only", "--quiet", new, step="Memasang versi baru")
        say(f"Versi baru: {new[:12]}")
        install_and_migrate(options)
        shell(options.start_cmd, "Menjalankan layanan")
        if options.start_cmd and not healthy(options.health_url, options.health_seconds):
            raise UpdateError(f"Layanan tidak sehat setelah pembaruan ({options.health_url}).")
    except (UpdateError, OSError) as error:
        say(f"GAGAL: {error}")
        rollback(options, old, url, copy)
        return 1
    copy.unlink(missing_ok=True)
    say("Pembaruan selesai.")
    return 0


def rollback(options, old, url, copy):
    """Put the previous code, packages and database back, and start the previous version."""
    say("Mengembalikan versi sebelumnya ...")
    try:
        shell(options.stop_cmd, "Menghentikan layanan")
    except UpdateError as error:
        say(f"  {error}")
    git("reset", "--hard", "--quiet", old, step="Mengembalikan kode")
    pip = [venv_bin("pip"), "install", "--disable-pip-version-check", "-q", "-r", "requirements.txt"]
    run(pip + (["--no-index", "--find-links", options.wheels] if options.wheels else []), "Paket versi lama")
    put_back_database(url, copy)
    shell(options.start_cmd, "Menjalankan layanan versi lama")
    if options.start_cmd and not healthy(options.health_url, options.health_seconds):
        say(f"PERHATIAN: versi lama juga tidak menjawab di {options.health_url}; salinan basis data: {copy}")
        return
    say(f"Versi sebelumnya ({old[:12]}) dan basis datanya dipulihkan; salinan tetap di {copy}.")


def main(argv=None):
    """Entry point: exit 0 updated (or nothing to do), 1 rolled back, 2 refused before any change."""
    options = parse(argv if argv is not None else sys.argv[1:])
    try:
        return update(options)
    except UpdateError as error:
        say(f"Pembaruan dibatalkan: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
