"""flask --app app init-db | create-user | seed-demo: results and clear errors with non-zero exits."""
import os
import subprocess
import sys

from sqlalchemy import func, inspect, select

from kupang.auth.models import User, find_user
from kupang.cli import DEMO_PASSWORD, DEMO_USERS
from kupang.extensions import db
from kupang.security import verify_password
from tests.conftest import build_app

GOOD = "Sandi-Kuat-2026\n"


def users(app):
    """Usernames in the database."""
    with app.app_context():
        return sorted(db.session.scalars(select(User.username)))


def test_init_db_on_an_empty_database(tmp_path, instance_dir):
    app = build_app(f"sqlite:///{tmp_path / 'baru.db'}", instance_dir)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Basis data siap" in result.output
    with app.app_context():
        assert {"user", "audit_log", "login_throttle", "setting"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert app.test_client().get("/healthz").json["migrations"] == "current"
    again = app.test_cli_runner().invoke(args=["init-db"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        db.engine.dispose()


def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output


def test_create_user_from_stdin(app, runner):
    result = runner.invoke(args=["create-user", "Maria", "--role", "clerk", "--name", "Maria Ndun",
                                 "--password-stdin"], input=GOOD)
    assert result.exit_code == 0, result.output
    assert "maria" in result.output and "wajib ganti kata sandi" in result.output
    with app.app_context():
        user = find_user("maria")
        assert user.role == "clerk" and user.full_name == "Maria Ndun" and user.must_change_password
        assert verify_password(user.password_hash, GOOD.strip())


def test_create_user_bad_role(app, runner):
    result = runner.invoke(args=["create-user", "maria", "--role", "superuser", "--password-stdin"], input=GOOD)
    assert result.exit_code != 0
    assert "peran 'superuser' tidak dikenal" in result.output
    assert users(app) == []


def test_create_user_missing_role(runner):
    result = runner.invoke(args=["create-user", "maria", "--password-stdin"], input=GOOD)
    assert result.exit_code != 0 and "--role" in result.output


def test_create_user_weak_password(app, runner):
    result = runner.invoke(args=["create-user", "maria", "--role", "clerk", "--password-stdin"], input="123\n")
    assert result.exit_code != 0
    assert "Galat: Kata sandi minimal 10 karakter." in result.output
    assert users(app) == []


def test_create_user_empty_stdin(app, runner):
    result = runner.invoke(args=["create-user", "maria", "--role", "clerk", "--password-stdin"], input="")
    assert result.exit_code != 0 and "Kata sandi minimal" in result.output
    assert users(app) == []


def test_create_user_duplicate(app, runner, make_user):
    make_user("clerk", "maria")
    result = runner.invoke(args=["create-user", "MARIA", "--role", "admin", "--password-stdin"], input=GOOD)
    assert result.exit_code != 0
    assert "Nama pengguna sudah dipakai." in result.output
    with app.app_context():
        assert find_user("maria").role == "clerk"


def test_create_user_bad_username(app, runner):
    result = runner.invoke(args=["create-user", "maria ndun", "--role", "clerk", "--password-stdin"], input=GOOD)
    assert result.exit_code != 0 and "Nama pengguna" in result.output
    assert users(app) == []


def test_create_user_without_password_source(app, runner):
    result = runner.invoke(args=["create-user", "maria", "--role", "clerk"])
    assert result.exit_code != 0 and "--password-stdin" in result.output
    assert users(app) == []


def test_seed_demo_and_if_empty(app, runner):
    result = runner.invoke(args=["seed-demo", "--residents", "0"])
    assert result.exit_code == 0, result.output
    expected = sorted(name for name, _role, _full in DEMO_USERS)
    assert users(app) == expected
    assert DEMO_PASSWORD in result.output
    with app.app_context():
        admin = find_user("admin")
        assert admin.role == "admin" and not admin.must_change_password
        admin.full_name = "Diubah"
        db.session.commit()
    kept = runner.invoke(args=["seed-demo", "--if-empty", "--residents", "0"])
    assert kept.exit_code == 0 and "Data sudah ada" in kept.output
    with app.app_context():
        assert find_user("admin").full_name == "Diubah"
        assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)


def test_seed_demo_bad_argument(runner):
    result = runner.invoke(args=["seed-demo", "--residents", "-5"])
    assert result.exit_code != 0 and "--residents" in result.output


def test_real_command_exits_non_zero(app, instance_dir):
    """The installed entry point, not only the test runner, exits non-zero with the message on stderr."""
    env = {**os.environ, "KUPANG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "KUPANG_INSTANCE_PATH": str(instance_dir), "KUPANG_SECRET_KEY": "x"}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "create-user", "maria", "--role", "raja",
                           "--password-stdin"], input=GOOD, capture_output=True, text=True, env=env, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    assert proc.returncode == 2
    assert "Galat: peran 'raja' tidak dikenal" in proc.stderr


def test_kelurahan_lookup_releases_the_large_tables():
    """The village and postal-code tables (~24 MB) must not stay in a process after the lookup."""
    from lokal import wilayah

    from kupang.config import lookup_kelurahan

    assert lookup_kelurahan("53.71.05.1005")[0] == "Naikoten Dua"
    assert "desa" not in wilayah._cache and "kodepos" not in wilayah._cache  # noqa: SLF001
