"""The period a report covers, read from the query string: today, this week, this month, a month, a range."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..timeutil import BULAN, format_date_id, office_today

PERIODS = {"hari": "Hari ini", "minggu": "Minggu ini", "bulan": "Bulan ini", "tahun": "12 bulan terakhir",
           "rentang": "Pilih tanggal"}
MAX_DAYS = 2 * 366
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


@dataclass(frozen=True)
class Period:
    """An inclusive range of local office days, with its Indonesian label and the query arguments it came from."""

    start: date
    end: date
    key: str
    label: str
    error: str | None = None

    @property
    def days(self):
        """Number of days covered."""
        return (self.end - self.start).days + 1

    def args(self):
        """Query arguments that select this period again (for links and exports)."""
        if self.key == "rentang":
            return {"periode": "rentang", "dari": self.start.isoformat(), "sampai": self.end.isoformat()}
        return {"periode": self.key}


def parse_date(value):
    """A date typed as yyyy-mm-dd (date inputs) or dd-mm-yyyy / dd/mm/yyyy (typed the Indonesian way)."""
    text = (value or "").strip()[:10]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def range_label(start, end):
    """'1–28 November 2026', '30 Oktober – 5 November 2026' or full dates across years."""
    if start == end:
        return format_date_id(start)
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {BULAN[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {BULAN[start.month - 1]} – {format_date_id(end)}"
    return f"{format_date_id(start)} – {format_date_id(end)}"


def month_bounds(year, month):
    """First and last day of a month."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def read_period(args, default="bulan", today=None):
    """The Period the arguments ask for; bad dates fall back to the default with an Indonesian message."""
    today = today or office_today()
    key = args.get("periode") or default
    if key not in PERIODS:
        key = default
    if key == "rentang":
        start, end = parse_date(args.get("dari")), parse_date(args.get("sampai"))
        error = None
        if start is None or end is None:
            error = "Tanggal awal dan akhir harus diisi dengan tanggal yang benar (tanggal-bulan-tahun)."
        elif start > end:
            error = "Tanggal awal harus sebelum atau sama dengan tanggal akhir."
        elif (end - start).days + 1 > MAX_DAYS:
            error = "Rentang paling panjang dua tahun."
        if error is None:
            return Period(start, end, "rentang", range_label(start, end))
        fallback = read_period({"periode": default}, default, today)
        return Period(fallback.start, fallback.end, fallback.key, fallback.label, error)
    if key == "hari":
        return Period(today, today, key, f"Hari ini, {format_date_id(today)}")
    if key == "minggu":
        start = today - timedelta(days=today.weekday())
        return Period(start, today, key, f"Minggu ini, {range_label(start, today)}")
    if key == "tahun":
        # The current month and the eleven before it.
        start = date(today.year - 1, today.month + 1, 1) if today.month != 12 else date(today.year, 1, 1)
        return Period(start, today, key, f"12 bulan terakhir, {range_label(start, today)}")
    start = today.replace(day=1)
    return Period(start, today, "bulan", f"{BULAN[today.month - 1]} {today.year} (sampai {format_date_id(today)})")


def read_month(args, today=None, default_previous=False):
    """(year, month, error) from ?bulan=yyyy-mm; by default (and on bad input) this month, or the last one
    when default_previous (a monthly report is made once the month is over)."""
    today = today or office_today()
    text = (args.get("bulan") or "").strip()
    if not text:
        if default_previous:
            last = today.replace(day=1) - timedelta(days=1)
            return last.year, last.month, None
        return today.year, today.month, None
    try:
        chosen = datetime.strptime(text[:7], "%Y-%m").date()
    except ValueError:
        return today.year, today.month, "Bulan tidak dikenali; ditampilkan bulan ini."
    if chosen > today or chosen.year < 1900:
        return today.year, today.month, "Bulan tidak boleh di masa depan; ditampilkan bulan ini."
    return chosen.year, chosen.month, None


def month_label(year, month):
    """'November 2026'."""
    return f"{BULAN[month - 1]} {year}"
