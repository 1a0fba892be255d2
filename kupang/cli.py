"""Command-line tasks: flask --app app init-db | create-user | enrol-code | seed-demo."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .db import write_intent
from .extensions import db
from .security import ROLES

# Areas add their demo data with @demo_seeder(order); seed-demo runs them in order.
DEMO_SEEDERS = []

DEMO_PASSWORD = "Kupang-Demo-2026"
DEMO_USERS = [
    ("admin", "admin", "Admin Kelurahan"),
    ("lurah", "supervisor", "Lurah Naikoten Dua"),
    ("camat", "supervisor", "Staf Kecamatan Kota Raja"),
    ("petugas1", "clerk", "Maria Ndun"),
    ("petugas2", "clerk", "Yohanes Bria"),
]


def demo_seeder(order):
    """Register a function(options: dict) that adds an area's demo data."""

    def decorator(func):
        DEMO_SEEDERS.append((order, func))
        DEMO_SEEDERS.sort(key=lambda pair: pair[0])
        return func

    return decorator


def fail(message):
    """Print an error to stderr and exit non-zero."""
    click.echo(f"Galat: {message}", err=True)
    sys.exit(2)


def apply_migrations():
    """Bring the database to every migration head (creating it when new)."""
    from flask_migrate import upgrade  # here, not at the top: web workers must not load Alembic

    from .ops.schema import SchemaTooNewError, guard

    try:
        guard(current_app.config["SQLALCHEMY_DATABASE_URI"])  # never run old migrations over a newer schema
    except SchemaTooNewError as error:
        fail(str(error))
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


def register(app):
    """Attach the commands to the app."""
    for command in (init_db, create_user_command, seed_demo, enrol_code_command):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database (migrations carry the reference data)."""
    apply_migrations()
    click.echo(f"Basis data siap: {safe_url()}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help=", ".join(f"{key} ({label})" for key, label in ROLES.items()))
@click.option("--name", "full_name", default="", help="Nama lengkap")
@click.option("--password-stdin", is_flag=True, help="Baca kata sandi dari standar input")
@click.option("--area", "area_code", default="", help="Server kota: kode kecamatan yang dilihat (53.71.05); "
              "kosong untuk seluruh kota")
@with_appcontext
def create_user_command(username, role, full_name, password_stdin, area_code):
    """Create an account; the user must change the password at first login."""
    from .auth.accounts import AccountError, create_user

    if role not in ROLES:
        fail(f"peran {role!r} tidak dikenal; pilih salah satu dari: {', '.join(ROLES)}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt=True)
    else:
        fail("berikan kata sandi lewat --password-stdin.")
    try:
        with write_intent():
            user = create_user(username, role, password, full_name=full_name, area_code=area_code)
            db.session.commit()
    except AccountError as error:
        db.session.rollback()
        fail(str(error))
    click.echo(f"Pengguna {user.username} ({ROLES[role]}) dibuat; wajib ganti kata sandi saat masuk pertama.")


@click.command("enrol-code")
@click.argument("username")
@with_appcontext
def enrol_code_command(username):
    """Print a one-time code the user needs to enrol two-step verification (valid 24 hours)."""
    from .auth.accounts import ENROL_CODE_HOURS, AccountError, new_enrol_code
    from .auth.models import find_user

    try:
        with write_intent():
            user = find_user(username)
            if user is None:
                fail(f"pengguna {username!r} tidak ada.")
            code = new_enrol_code(user, None)
            db.session.commit()
    except AccountError as error:
        db.session.rollback()
        fail(str(error))
    click.echo(f"Kode pendaftaran verifikasi dua langkah untuk {user.username} ({ROLES[user.role]}): {code}")
    click.echo(f"Berlaku {ENROL_CODE_HOURS} jam dan hanya sekali pakai. Berikan langsung kepada pemilik akun.")


@click.command("seed-demo")
@click.option("--residents", default=8000, show_default=True, type=click.IntRange(0, 2_000_000),
              help="Jumlah penduduk contoh")
@click.option("--if-empty", is_flag=True, help="Hanya bila belum ada pengguna (untuk make run)")
@with_appcontext
def seed_demo(residents, if_empty):
    """Fill the database with demo users and each area's demo data."""
    from .auth.accounts import create_user
    from .auth.models import User

    apply_migrations()
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Data sudah ada; data contoh tidak ditambahkan.")
        return
    with write_intent():
        db.session.commit()  # end the read above; what follows takes the write lock
        for username, role, name in DEMO_USERS:
            if not db.session.scalar(select(User).where(User.username == username)):
                create_user(username, role, DEMO_PASSWORD, full_name=name, must_change=False)
        db.session.commit()
        options = {"residents": residents}
        for _order, seeder in DEMO_SEEDERS:
            seeder(options)
    click.echo("Data contoh siap. Akun contoh (kata sandi untuk semua: " + DEMO_PASSWORD + "):")
    for username, role, _name in DEMO_USERS:
        click.echo(f"  {username:10} {ROLES[role]}")


def safe_url():
    """The database URL without a password, for messages."""
    return db.engine.url.render_as_string(hide_password=True)
