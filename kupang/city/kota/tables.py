"""The /kota figures as tables (reports/tables.py Table): the same columns and labels as the office reports."""
from ...reports.population_tables import MOVE_COLUMNS
from ...reports.tables import Table
from ...timeutil import format_datetime_wita
from .completeness import office_label
from .scope import kecamatan_name


def _balance_cells(line):
    return [line.total(name) for name, _title in MOVE_COLUMNS]


def population_table(lines, total, label, area_label, per_kelurahan, names):
    """Births, deaths, moves and the population at the start and end of the month, per kecamatan or kelurahan."""
    first = "Kelurahan" if per_kelurahan else "Kecamatan"
    rows = [[office_label(key, names) if per_kelurahan else kecamatan_name(key), *_balance_cells(line)]
            for key, line in lines.items()]
    return Table(f"Mutasi penduduk {label}, {area_label}", [first, *[title for _n, title in MOVE_COLUMNS]], rows,
                 total=["Jumlah", *_balance_cells(total)],
                 note="Awal bulan + lahir + datang − mati − pindah − hilang/pergi = akhir bulan. Jumlah laporan "
                      "bulanan kelurahan; pindah antar kelurahan tercatat pindah di satu kelurahan dan datang di "
                      "kelurahan lain.")


def trend_table(trend, area_label):
    """The scope's monthly balance for the last twelve months."""
    return Table(f"Penduduk per bulan, {area_label}", ["Bulan", *[title for _n, title in MOVE_COLUMNS]],
                 [[label, *_balance_cells(balance)] for label, balance in trend])


def queue_table(offices, total, names, label):
    """Per office: tickets, average wait and service in minutes, no-show share."""
    rows = [[office_label(code, names), f.issued, f.wait_minutes, f.service_minutes, f.no_show_percent]
            for code, f in offices.items()]
    return Table(f"Kinerja antrian {label}", ["Kelurahan", "Nomor antrian", "Rata-rata tunggu (menit)",
                                              "Rata-rata layanan (menit)", "Tidak hadir (%)"], rows,
                 total=["Jumlah", total.issued, total.wait_minutes, total.service_minutes, total.no_show_percent],
                 note="Tunggu: dari mengambil nomor sampai dipanggil (nomor yang dipanggil). Layanan: dari mulai "
                      "dilayani sampai selesai (nomor yang selesai). Tidak hadir: ditandai tidak hadir dibagi "
                      "semua nomor.")


def skm_table(offices, total, names, label):
    """Per office: respondents, the SKM value (index x 25) and its band, per PermenPANRB 14/2017."""

    def cells(result):
        g = result.grade
        return [result.respondents, result.converted, g.letter if g else None, g.label if g else None]

    rows = [[office_label(code, names), *cells(r)] for code, r in offices.items()]
    return Table(f"Survei kepuasan masyarakat (SKM) {label}", ["Kelurahan", "Responden", "Nilai SKM", "Mutu",
                                                               "Kinerja"], rows,
                 total=["Semua kelurahan", *cells(total)], digits=2,
                 note="Nilai SKM = rata-rata NRR sembilan unsur × 25 (PermenPANRB 14/2017). Mutu: A 88,31–100, "
                      "B 76,61–88,30, C 65,00–76,60, D 25,00–64,99. Baris terakhir dihitung dari semua jawaban.")


def letters_table(rows, names, label):
    """Per office and letter type: letters issued in the month (still valid, voided)."""
    body = [[office_label(code, names), title, issued, void, issued + void] for code, title, issued, void in rows]
    return Table(f"Surat per jenis {label}", ["Kelurahan", "Jenis surat", "Terbit", "Dibatalkan", "Jumlah"], body,
                 total=["Jumlah", "", sum(r[2] for r in rows), sum(r[3] for r in rows),
                        sum(r[2] + r[3] for r in rows)],
                 note="Surat yang diterbitkan pada bulan ini (tanggal WITA), termasuk yang kemudian dibatalkan.")


def last_sync_text(state):
    """'1 Desember 2026 08:00 WITA' or 'Belum pernah'."""
    return format_datetime_wita(state.last_push_at) if state.last_push_at else "Belum pernah"
