"""Operations settings: app config (tests) first, then KUPANG_* variables, then an admin's choice, then defaults."""
from pathlib import Path

from flask import current_app

from ..config import env, env_int
from ..settings import get_setting

DEFAULT_BACKUP_DIR = "/media/kupang-cadangan"  # a USB drive mounted there (see deploy/README)
BACKUP_DIR_KEY = "backup_dir"
GIB = 1024 ** 3


def setting(name, default=None):
    """app.config[name] when set (tests, a config mapping), else KUPANG_<name>, else the default."""
    value = current_app.config.get(name)
    return value if value is not None else env(name, default)


def backup_folder():
    """Where backups go: KUPANG_BACKUP_DIR, else the admin's choice on the backup page, else the USB default."""
    return Path(setting("BACKUP_DIR") or get_setting(BACKUP_DIR_KEY) or DEFAULT_BACKUP_DIR)


def backup_max_age_hours():
    """How old the last good backup may be before home pages warn and a start-up backup runs."""
    value = current_app.config.get("BACKUP_MAX_AGE_HOURS")
    return value if value is not None else env_int("BACKUP_MAX_AGE_HOURS", 24, 1)


def disk_warn_bytes():
    """Free space below which the system page and home pages warn (1 GB)."""
    value = current_app.config.get("DISK_WARN_BYTES")
    return value if value is not None else env_int("DISK_WARN_MB", 1024, 0) * 1024 * 1024


def disk_warn_percent():
    """Free share below which the system page and home pages warn (10 %)."""
    value = current_app.config.get("DISK_WARN_PERCENT")
    return value if value is not None else env_int("DISK_WARN_PERCENT", 10, 0)


def disk_min_free_bytes():
    """Free space below which the database counts as not writable (/healthz answers 503)."""
    value = current_app.config.get("DISK_MIN_FREE_BYTES")
    return value if value is not None else env_int("DISK_MIN_FREE_MB", 32, 0) * 1024 * 1024
