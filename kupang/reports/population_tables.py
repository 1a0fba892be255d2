"""The population report's sections as tables and charts (page and export share them)."""
from datetime import timedelta

from ..registry import codes
from ..timeutil import format_date_id
from . import population, snapshots, svg
from .tables import Table

MOVE_COLUMNS = (("start", "Awal bulan"), ("births", "Lahir"), ("deaths", "Mati"), ("moved_in", "Datang"),
                ("moved_out", "Pindah"), ("others_out", "Hilang/pergi"), ("end", "Akhir bulan"))
SECTIONS = {"mutasi": "Mutasi bulanan", "piramida": "Piramida penduduk", "rincian": "Rincian penduduk",
            "nik": "Kelengkapan NIK"}


def _sexes(values):
    return [values[1], values[2], values[1] + values[2]]


def mutation_table(lines, total, label):
    """The monthly report by RW: each figure for men, women (and both for start and end)."""
    columns = ["RW"]
    for name, title in MOVE_COLUMNS:
        parts = ("L", "P", "L+P") if name in ("start", "end") else ("L", "P")
        columns += [f"{title} {p}" for p in parts]

    def row(first, line):
        cells = [first]
        for name, _title in MOVE_COLUMNS:
            values = getattr(line, name)
            cells += _sexes(values) if name in ("start", "end") else [values[1], values[2]]
        return cells

    return Table(f"Laporan mutasi penduduk {label}", columns,
                 [row(f"RW {rw}" if rw else "RW belum diisi", line) for rw, line in lines.items()],
                 total=row("Jumlah", total),
                 note="Awal bulan + lahir + datang − mati − pindah − hilang/pergi = akhir bulan (L: laki-laki, "
                      "P: perempuan).")


def pyramid_table(bands, men, women, unknown):
    """Residents by 5-year age band and sex."""
    rows = [[band, m, w, m + w] for band, m, w in zip(bands, men, women, strict=True)]
    note = f"{unknown} penduduk tanpa tanggal lahir tidak masuk piramida." if unknown else ""
    return Table("Penduduk menurut kelompok umur dan jenis kelamin", ["Umur (tahun)", "Laki-laki", "Perempuan",
                                                                      "Jumlah"], rows,
                 total=["Jumlah", sum(men), sum(women), sum(men) + sum(women)], note=note)


def _code_table(title, first, data, labels):
    order = list(labels)
    keys = sorted(data, key=lambda k: (k not in labels, order.index(k) if k in labels else 0, str(k)))
    rows = [[labels.get(k, "Tidak diisi") if k is not None else "Tidak diisi", *_sexes(data[k])] for k in keys]
    men = sum(v[1] for v in data.values())
    women = sum(v[2] for v in data.values())
    return Table(title, [first, "Laki-laki", "Perempuan", "Jumlah"], rows, total=["Jumlah", men, women, men + women])


def breakdown_tables():
    """Living residents by RW/RT, religion, education, occupation, marital status; all records by life status."""
    found = population.living_breakdowns()
    rt = dict(sorted(found["rw_rt"].items()))
    rt_rows = [[f"RW {rw or '-'} / RT {r or '-'}", *_sexes(v)] for (rw, r), v in rt.items()]
    men = sum(v[1] for v in rt.values())
    women = sum(v[2] for v in rt.values())
    return [
        Table("Menurut RW dan RT", ["Wilayah", "Laki-laki", "Perempuan", "Jumlah"], rt_rows,
              total=["Jumlah", men, women, men + women]),
        _code_table("Menurut agama", "Agama", found["religion"], codes.RELIGION),
        _code_table("Menurut pendidikan (dalam KK)", "Pendidikan", found["education"], codes.EDUCATION),
        _code_table("Menurut pekerjaan", "Pekerjaan", found["occupation_code"], codes.OCCUPATIONS),
        _code_table("Menurut status perkawinan", "Status perkawinan", found["marital_status"], codes.MARITAL),
        _code_table("Menurut status (semua catatan, tanpa data ganda yang digabung)", "Status",
                    population.life_status_breakdown(), codes.LIFE_STATUS),
    ]


def nik_trend(today):
    """(table, chart) of NIK completeness: the last snapshot of each of the last 12 months."""
    first = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    points = snapshots.monthly_points(first, today)
    rows = [[format_date_id(p.day), p.residents, p.with_nik, p.residents - p.with_nik, p.percent] for p in points]
    table = Table("Kelengkapan NIK dari waktu ke waktu", ["Tanggal", "Penduduk", "Dengan NIK", "Tanpa NIK",
                                                          "Lengkap (%)"], rows,
                  note="Dari catatan harian (snapshot) yang disimpan setiap hari; titik terakhir tiap bulan.")
    chart = svg.line_chart("grafik-nik", "Kelengkapan NIK (%)", [format_date_id(p.day) for p in points],
                           [p.percent for p in points]) if len(points) > 1 else None
    return table, chart


def pyramid_chart(bands, men, women):
    """The pyramid as SVG."""
    return svg.pyramid("grafik-piramida", "Piramida penduduk menurut umur dan jenis kelamin", bands, men, women)
