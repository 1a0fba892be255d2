"""Home-page warnings from operations: stale or failed backups, low or full disk, a clock that looks wrong."""
from datetime import timedelta

from flask import url_for

from ..notices import Notice
from ..timeutil import now_utc
from . import keys
from .backup import last_good_run, last_run
from .config import backup_max_age_hours
from .storage import disk_status

BACKUP_AUDIENCE = frozenset({"admin", "supervisor"})


def backup_notices(user):
    """Warnings about backups for admins and supervisors (the link only for admins, who can act)."""
    if getattr(user, "role", None) not in BACKUP_AUDIENCE:
        return []
    is_admin = user.role == "admin"
    link = {"url": url_for("ops.backups"), "link_text": "Buka halaman Cadangan"} if is_admin else {}
    if not keys.current_recipient():
        return [Notice("Pencadangan belum diatur: belum ada kata sandi cadangan, jadi data belum pernah "
                       "dicadangkan.", "danger", **link)]
    found = []
    latest, good = last_run(), last_good_run()
    if latest is not None and latest.status == "failed":
        found.append(Notice(f"Pencadangan terakhir gagal: {latest.error or 'sebab tidak diketahui'}", "danger",
                            **link))
    hours = backup_max_age_hours()
    if good is None:
        found.append(Notice("Belum ada cadangan yang berhasil.", "danger", **link))
    elif now_utc() - good.finished_at > timedelta(hours=hours):
        days = (now_utc() - good.finished_at) / timedelta(days=1)
        age = f"{days:.0f} hari" if days >= 2 else f"{days * 24:.0f} jam"
        found.append(Notice(f"Cadangan terakhir yang berhasil sudah {age} yang lalu (lebih dari {hours} jam).",
                            "warning", **link))
    return found


def disk_notices(user):
    """A warning for admins when the server's disk is low or full."""
    if getattr(user, "role", None) != "admin":
        return []
    status = disk_status()
    link = {"url": url_for("ops.system"), "link_text": "Buka halaman Sistem"}
    free = f"{status.free / 1024 ** 3:.1f}".replace(".", ",")
    if status.level == "full":
        return [Notice(f"Penyimpanan komputer server penuh (sisa {free} GB): data baru tidak dapat disimpan. "
                       "Kosongkan ruang penyimpanan segera.", "danger", **link)]
    if status.level == "low":
        return [Notice(f"Ruang penyimpanan server hampir habis: sisa {free} GB ({status.free_percent:.0f} %).",
                       "warning", **link)]
    return []


def clock_notices(user):
    """A warning for admins when the server's clock looks wrong (tickets are refused when it went back)."""
    if getattr(user, "role", None) != "admin":
        return []
    from .system import clock_problem

    problem = clock_problem()
    return [Notice(problem, "danger", url=url_for("ops.system"), link_text="Buka halaman Sistem")] if problem else []


PROVIDERS = (backup_notices, disk_notices, clock_notices)
