"""Time helpers: store UTC, show and count days in the office's local time (WITA)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def now_utc():
    """The current time as a naive UTC datetime, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def office_zone():
    """The office's time zone (Asia/Makassar unless configured)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value):
    """A stored naive-UTC datetime converted to the office's local time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(office_zone())


def office_today(at=None) -> date:
    """The local office date at a UTC instant (now by default): the queue's and reports' 'day'."""
    return to_local(at or now_utc()).date()


BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


def format_date_id(value):
    """'27 November 2026' for a date or datetime."""
    if value is None:
        return ""
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def format_datetime_wita(value):
    """A stored UTC datetime shown as '27 November 2026 14:05 WITA'."""
    if value is None:
        return ""
    local = to_local(value)
    suffix = "WITA" if current_app.config["TIMEZONE"] == "Asia/Makassar" else local.tzname()
    return f"{format_date_id(local)} {local:%H:%M} {suffix}"


def local_day_bounds(day):
    """The UTC instants (naive) where a local office day starts and the next one starts."""
    from datetime import time, timedelta

    start = datetime.combine(day, time(), tzinfo=office_zone()).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=office_zone())
    return start, end.astimezone(UTC).replace(tzinfo=None)
