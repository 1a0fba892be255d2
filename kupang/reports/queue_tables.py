"""The queue report as tables and charts (the page and the export share them)."""
from ..timeutil import BULAN, HARI, format_date_id
from . import svg
from .tables import Table

STAT_COLUMNS = ["Tunggu median (menit)", "Tunggu p90 (menit)", "Dilayani median (menit)",
                "Dilayani p90 (menit)"]


def _times(stats):
    return [stats.wait_median, stats.wait_p90, stats.service_median, stats.service_p90]


def summary_table(report):
    """The office's figures for the period, one per line."""
    o = report.overall
    rows = [["Nomor antrian diambil", o.issued], ["Selesai dilayani", o.served], ["Tidak hadir", o.no_show],
            ["Dialihkan ke layanan lain", o.transferred], ["Kedaluwarsa (hari berakhir)", o.expired],
            ["Masih menunggu / dilayani", o.open], ["Waktu tunggu median (menit)", o.wait_median],
            ["Waktu tunggu p90 (menit)", o.wait_p90], ["Waktu dilayani median (menit)", o.service_median],
            ["Waktu dilayani p90 (menit)", o.service_p90],
            ["Selesai dalam waktu standar (%)", o.within_percent]]
    return Table("Ringkasan", ["Ukuran", "Nilai"], rows)


def service_table(report):
    """Per service: counts, times and the standard kept."""
    rows = [[f"{s.prefix} · {s.name}", g.issued, g.served, g.no_show, g.transferred, g.expired, *_times(g),
             s.standard_minutes, g.within_percent] for s, g in report.by_service]
    o = report.overall
    return Table("Per layanan", ["Layanan", "Diambil", "Selesai", "Tidak hadir", "Dialihkan", "Kedaluwarsa",
                                 *STAT_COLUMNS, "Standar (menit)", "Dalam standar (%)"], rows,
                 total=["Jumlah", o.issued, o.served, o.no_show, o.transferred, o.expired, *_times(o), None,
                        o.within_percent],
                 note="Setiap nomor dihitung di layanan tempat ia berakhir. Dialihkan: nomor yang dialihkan ke layanan "
                      "ini dari layanan lain (nomornya tetap).")


def _worker_table(title, first, pairs, name):
    rows = [[name(item), g.issued, g.served, g.no_show, *_times(g), g.within_percent] for item, g in pairs]
    return Table(title, [first, "Dipanggil", "Selesai", "Tidak hadir", *STAT_COLUMNS, "Dalam standar (%)"], rows)


def counter_table(report):
    """Per counter: the tickets it called."""
    return _worker_table("Per loket", "Loket", report.by_counter,
                         lambda c: f"Loket {c.number}" + (f" – {c.name}" if c.name else ""))


def clerk_table(report):
    """Per clerk: the tickets they called."""
    return _worker_table("Per petugas", "Petugas", report.by_clerk, lambda u: u.display_name)


def heat_table(report):
    """Arrivals by weekday (rows) and hour (columns)."""
    hours = report.hours
    rows = [[HARI[d], *[report.heat[d][h] for h in hours], sum(report.heat[d])] for d in range(7)]
    return Table("Kedatangan per hari dan jam", ["Hari", *[f"{h:02d}.00" for h in hours], "Jumlah"], rows,
                 note="Jumlah nomor yang diambil pada jam tersebut (WITA) selama periode.")


MONTHLY_AFTER_DAYS = 62


def issued_over_time(report):
    """[(label, issued)] per day, or per month when the period is longer than two months."""
    days = report.daily
    if not days or (days[-1][0] - days[0][0]).days <= MONTHLY_AFTER_DAYS:
        return [(format_date_id(day), count) for day, count in days], "hari"
    months = {}
    for day, count in days:
        key = (day.year, day.month)
        months[key] = months.get(key, 0) + count
    return [(f"{BULAN[m - 1]} {y}", count) for (y, m), count in months.items()], "bulan"


def daily_table(report):
    """Tickets issued per day (per month for long periods)."""
    points, unit = issued_over_time(report)
    return Table(f"Nomor diambil per {unit}", ["Tanggal" if unit == "hari" else "Bulan", "Diambil"],
                 [list(point) for point in points])


def tables(report):
    """Every table of the report, in page order."""
    return [summary_table(report), service_table(report), counter_table(report), clerk_table(report),
            heat_table(report), daily_table(report)]


def charts(report):
    """The SVG charts of the page."""
    service_rows = [(f"{s.prefix} · {s.name}", [g.issued, g.served]) for s, g in report.by_service]
    wait_rows = [(f"{s.prefix} · {s.name}", [g.wait_median, g.wait_p90]) for s, g in report.by_service]
    hours = report.hours
    points, unit = issued_over_time(report)
    return {
        "services": svg.bar_chart("grafik-layanan", "Nomor diambil dan selesai per layanan", service_rows,
                                  ("Diambil", "Selesai")),
        "waits": svg.bar_chart("grafik-tunggu", "Waktu tunggu per layanan (menit): median dan p90", wait_rows,
                               ("Median", "p90"), digits=1),
        "heat": svg.heat_map("grafik-kedatangan", "Kedatangan per hari dan jam", HARI,
                             [f"{h:02d}" for h in hours], [[report.heat[d][h] for h in hours] for d in range(7)])
        if hours else None,
        "daily": svg.column_chart("grafik-harian", f"Nomor diambil per {unit}",
                                  [_short_label(label, unit) for label, _c in points], [c for _l, c in points],
                                  every=max(1, len(points) // 12)) if len(points) > 1 else None,
    }


def _short_label(label, unit):
    """'2 Nov' for a day, 'Nov 26' for a month: what fits under a column."""
    parts = label.split()
    if unit == "hari":
        return f"{parts[0]} {parts[1][:3]}"
    return f"{parts[0][:3]} {parts[1][2:]}"
