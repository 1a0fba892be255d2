"""Spreadsheets the import tests build themselves: people with valid NIKs, .xlsx and .csv writers."""
import csv
from datetime import date, timedelta

from openpyxl import Workbook

HEADER = ["NIK", "No KK", "Nama Lengkap", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Agama",
          "Status Perkawinan", "SHDK", "Pendidikan", "Pekerjaan", "Alamat", "RT", "RW"]
FIRST = ["YOHANES", "MARIA", "AGUSTINUS", "YULIANA", "PETRUS", "MARTHA", "FRANSISKUS", "ELISABETH", "ADRIANUS",
         "KRISTINA", "DOMINGGUS", "SERLY", "MARKUS", "ANTONIA", "YAKOBUS", "NOVITA"]
LAST = ["NDUN", "BRIA", "LAKA", "TALLO", "MESAKH", "BENU", "NOMLENI", "SERAN", "KOLO", "TEFA", "LEO", "MANU"]


def nik_for(birth, sex, serial, region="537105"):
    """A NIK that nik.py accepts: region, birth date (day + 40 for women), serial."""
    day = birth.day + (40 if sex == 2 else 0)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def kk_for(number):
    """A 16-digit KK number of Kota Raja."""
    return f"5371050101{number:06d}"


def person(i, kk=None, shdk="Kepala Keluarga", **overrides):
    """One valid row (dict keyed by HEADER) for person number i."""
    sex = 1 if i % 2 == 0 else 2
    birth = date(1960, 1, 1) + timedelta(days=(i * 37) % 20000)
    row = {
        "NIK": nik_for(birth, sex, 1 + i % 9999),
        "No KK": kk if kk is not None else kk_for(i),
        "Nama Lengkap": f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}",
        "Jenis Kelamin": "L" if sex == 1 else "P",
        "Tempat Lahir": "KUPANG",
        "Tanggal Lahir": birth.strftime("%d/%m/%Y"),
        "Agama": "Kristen",
        "Status Perkawinan": "Kawin",
        "SHDK": shdk,
        "Pendidikan": "SLTA/sederajat",
        "Pekerjaan": "Wiraswasta",
        "Alamat": f"Jl. Timor Raya No. {i}",
        "RT": "003",
        "RW": "001",
    }
    row.update(overrides)
    return row


def as_lists(rows, header=HEADER):
    """Dict rows as lists in header order."""
    return [[row.get(column) for column in header] for row in rows]


def write_xlsx(path, rows, header=HEADER, title_rows=(), merge_title=False, write_only=False):
    """An .xlsx with optional title rows above the header (merged across the header width)."""
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("Data") if write_only else book.active
    for title in title_rows:
        sheet.append([title])
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values.values()) if isinstance(values, dict) else list(values))
    if merge_title and title_rows and not write_only:
        for number in range(1, len(title_rows) + 1):
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(header))
    book.save(path)
    return path


def write_csv(path, rows, header=HEADER, delimiter=";", encoding="utf-8-sig"):
    """A CSV as Excel writes it (BOM and ';' by default)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for values in rows:
            writer.writerow(list(values.values()) if isinstance(values, dict) else list(values))
    return path
