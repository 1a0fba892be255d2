"""Restore a backup: decrypt, check, migrate an older schema, and swap it in beside the live database.

Nothing touches the live database until every check passed: the backup is unpacked next to it, its
integrity, payload hash and every table's row count and checksum are compared with the manifest, a backup
from a newer schema is refused, an older one is migrated, and only then the live database is set aside
(kept, never deleted) and the restored one takes its name.
"""
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..extensions import db
from ..timeutil import now_utc
from . import archive, keys, schema, snapshot

MEMBERS = ("kupang.db", "kupang.dump")


class RestoreError(RuntimeError):
    """A restore that was refused or failed; nothing was changed. The message is Indonesian."""


@dataclass
class RestoreResult:
    """What a restore did."""

    replaced: str | None  # where the previous database was kept (file path or database name)
    migrated: bool
    tables: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def identity_for(header, passphrase):
    """The age identity for this backup's header, or RestoreError for a wrong passphrase."""
    kdf = header.get("kdf") or {}
    try:
        identity = keys.derive_identity(passphrase, keys.decode_salt(kdf["salt"]), kdf)
    except (KeyError, ValueError) as error:
        raise RestoreError(str(error) if isinstance(error, keys.PassphraseError) else
                           "Kepala berkas cadangan rusak.") from None
    if keys.public_key(identity) != header.get("recipient"):
        raise RestoreError("Kata sandi cadangan salah untuk berkas ini.")
    return identity


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def processes_using(path):
    """PIDs of other processes that have the file open (read from /proc)."""
    target = os.path.realpath(path)
    users = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.path.realpath(fd) in (target, target + "-wal"):
                    users.append(int(entry.name))
                    break
        except OSError:
            continue
    return sorted(users)


def check_manifest(header, manifest, kind):
    """Refuse a backup of another database kind or from a newer schema; returns warnings."""
    if manifest.get("database") != kind:
        raise RestoreError(f"Cadangan ini dari basis data {manifest.get('database')}, sedangkan aplikasi memakai "
                           f"{kind}; pemulihan antar jenis basis data tidak didukung.")
    unknown = schema.unknown_revisions(manifest.get("schema") or [])
    if unknown:
        raise RestoreError("Cadangan ini dibuat oleh versi aplikasi yang lebih baru (revisi "
                           f"{', '.join(unknown)}). Perbarui aplikasi dulu (make update), lalu ulangi pemulihan.")
    warnings = []
    if manifest.get("kelurahan") != current_app.config["KELURAHAN_CODE"]:
        warnings.append(f"Cadangan ini dari kelurahan {manifest.get('kelurahan')}, sedangkan aplikasi diatur untuk "
                        f"{current_app.config['KELURAHAN_CODE']} (KUPANG_KELURAHAN).")
    return warnings


def compare_tables(expected, found):
    """RestoreError unless every table has the row count and checksum the manifest recorded."""
    bad = [name for name in sorted(set(expected) | set(found)) if expected.get(name) != found.get(name)]
    if bad:
        raise RestoreError(f"Isi cadangan tidak cocok dengan daftar isinya (tabel {', '.join(bad[:5])}); "
                           "berkas rusak. Coba berkas cadangan lain.")


def migrate(url):
    """Apply this code's migrations to the database at `url` (an older backup)."""
    from .. import create_app
    from ..cli import apply_migrations

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": current_app.instance_path,
                      "SECRET_KEY": current_app.config["SECRET_KEY"], "KELURAHAN_CODE":
                      current_app.config["KELURAHAN_CODE"], "SCHEMA_GUARD": False})
    with app.app_context():
        apply_migrations()
        db.session.remove()
        db.engine.dispose()


def needs_migration(revisions):
    """True when the revisions are not this code's heads."""
    from ..migrations_state import script_heads

    return frozenset(revisions) != script_heads()


def restore(path, passphrase, echo=lambda message: None):
    """Restore the backup at `path` over the app's database; returns a RestoreResult or raises RestoreError."""
    try:
        header = archive.read_header(path)
    except OSError as error:
        raise RestoreError(f"Berkas {path} tidak dapat dibaca: {error.strerror}") from None
    except archive.ArchiveError as error:
        raise RestoreError(str(error)) from None
    identity = identity_for(header, passphrase)
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    if db.engine.dialect.name == "sqlite":
        return _restore_sqlite(path, identity, url, echo)
    return _restore_postgres(path, identity, url, echo)


def _unpack(path, identity, folder, echo):
    echo("Membuka dan memeriksa berkas cadangan ...")
    try:
        header, manifest = archive.extract_backup(path, identity, folder, MEMBERS)
    except archive.ArchiveError as error:
        raise RestoreError(str(error)) from None
    payload = Path(folder) / manifest.get("payload", "")
    if not payload.is_file() or _sha256(payload) != manifest.get("payload_sha256"):
        raise RestoreError("Isi cadangan tidak utuh (sidik berkas tidak cocok); berkas rusak.")
    return header, manifest, payload


def _restore_sqlite(path, identity, url, echo):
    live = Path(snapshot.sqlite_file(url))
    stamp = f"{now_utc():%Y%m%d-%H%M%S}"
    folder = live.parent / f".pulih-{stamp}"
    folder.mkdir(mode=0o700)
    try:
        header, manifest, payload = _unpack(path, identity, folder, echo)
        warnings = check_manifest(header, manifest, "sqlite")
        echo("Memeriksa keutuhan basis data dan setiap tabel ...")
        try:
            snapshot.sqlite_integrity(payload)
        except snapshot.SnapshotError as error:
            raise RestoreError(str(error)) from None
        found = snapshot.sqlite_fingerprints(payload)
        compare_tables(manifest.get("tables") or {}, found)
        copy_url = f"sqlite:///{payload}"
        migrated = needs_migration(schema.applied_revisions(copy_url))
        if migrated:
            echo("Cadangan dari versi lama: menerapkan migrasi ...")
            migrate(copy_url)
            snapshot.sqlite_integrity(payload)
        users = processes_using(live) if live.exists() else []
        if users:
            raise RestoreError(f"Basis data sedang dipakai (proses {', '.join(map(str, users))}). Hentikan "
                               "layanan dulu: sudo systemctl stop kupang, lalu ulangi.")
        replaced = _swap_sqlite(live, payload, stamp)
        return RestoreResult(replaced=replaced, migrated=migrated, tables=found, warnings=warnings)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _swap_sqlite(live, restored, stamp):
    """Set the live file aside (with its WAL folded in) and move the restored one into its place."""
    import sqlite3

    replaced = None
    if live.exists():
        conn = sqlite3.connect(live, isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        replaced = live.with_name(f"{live.name}.diganti-{stamp}")
        os.replace(live, replaced)
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
    os.replace(restored, live)
    os.chmod(live, 0o600)
    fd = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return str(replaced) if replaced else None


def _admin_engine(url):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _restore_postgres(path, identity, url, echo):
    live_name = make_url(url).database
    stamp = f"{now_utc():%Y%m%d%H%M%S}"
    new_name = f"{live_name}_pulih_{stamp}"[:63]
    new_url = make_url(url).set(database=new_name).render_as_string(hide_password=False)
    folder = Path(current_app.instance_path) / f".pulih-{stamp}"
    folder.mkdir(mode=0o700)
    admin = _admin_engine(url)
    created = False
    try:
        header, manifest, payload = _unpack(path, identity, folder, echo)
        warnings = check_manifest(header, manifest, "postgresql")
        with admin.connect() as conn:
            major = snapshot.server_major(conn)
            conn.execute(text(f'CREATE DATABASE "{new_name}"'))
            created = True
        echo("Memulihkan ke basis data sementara ...")
        result = subprocess.run(
            [snapshot.pg_tool("pg_restore", major), "--no-owner", "--no-privileges", "--exit-on-error",
             "--dbname", snapshot.libpq_url(new_url), str(payload)], capture_output=True, check=False)
        if result.returncode != 0:
            raise RestoreError("pg_restore gagal: " + result.stderr.decode(errors="replace").strip()[-400:])
        found = _pg_fingerprints(new_url)
        compare_tables(manifest.get("tables") or {}, found)
        migrated = needs_migration(schema.applied_revisions(new_url))
        if migrated:
            echo("Cadangan dari versi lama: menerapkan migrasi ...")
            migrate(new_url)
        replaced = _swap_postgres(admin, live_name, new_name, stamp)
        created = False
        return RestoreResult(replaced=replaced, migrated=migrated, tables=found, warnings=warnings)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)'))
        admin.dispose()


def _pg_fingerprints(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return snapshot.connection_fingerprints(conn)
    finally:
        engine.dispose()


def _swap_postgres(admin, live_name, new_name, stamp):
    """Rename the live database aside and the restored one into its name; refuses while others use it."""
    replaced = f"{live_name}_diganti_{stamp}"[:63]
    with admin.connect() as conn:
        users = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                             {"name": live_name}).scalar()
        if users:
            raise RestoreError(f"Basis data {live_name} sedang dipakai ({users} koneksi). Hentikan layanan dulu: "
                               "sudo systemctl stop kupang, lalu ulangi.")
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": live_name}).first()
        if exists:
            conn.execute(text(f'ALTER DATABASE "{live_name}" RENAME TO "{replaced}"'))
        conn.execute(text(f'ALTER DATABASE "{new_name}" RENAME TO "{live_name}"'))
    return replaced if exists else None
