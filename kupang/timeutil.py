"""Time helpers: store UTC, show and count days in the office's local time (WITA); dates read and typed.

One reading format everywhere ("12 Maret 1990", the `tanggal` filter) and one typing format for date inputs
(tanggal-bulan-tahun, "12-03-1990"), parsed on the server whatever the browser's language is.
"""
import re
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


DATE_INPUT_EXAMPLE = "17-08-1990"
DATE_INPUT_PATTERN = r"\d{1,2}[\-/.]\d{1,2}[\-/.]\d{4}"
DATE_INPUT_MESSAGE = f"Tanggal tidak valid; tulis tanggal-bulan-tahun, misalnya {DATE_INPUT_EXAMPLE}."
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date_id(text):
    """A date typed the Indonesian way (17-08-1990, 17/8/1990, 17.08.1990) or stored as ISO (1990-08-17).

    Raises ValueError with DATE_INPUT_MESSAGE for anything else, an impossible day included (31-02-1990).
    """
    raw = (text or "").strip()
    day_first, iso = _DAY_FIRST.match(raw), _ISO_DATE.match(raw)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day)
        if iso:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise ValueError(DATE_INPUT_MESSAGE)


def format_date_input(value):
    """A date as a date input holds it: '17-08-1990'."""
    return "" if value is None else f"{value.day:02d}-{value.month:02d}-{value.year}"


def format_date_id(value):
    """'27 November 2026' for a date, a datetime or a stored ISO date text; other text is returned as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if not _ISO_DATE.match(value[:10]):
            return value
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
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
