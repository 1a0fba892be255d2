"""The completeness report as a table for .xlsx and .csv (kupang.spreadsheet cells: never a formula)."""
import io
import tempfile

from ..spreadsheet import SafeCsvWriter, xlsx_row

HEADER = ["Wilayah", "RW", "RT", "Penduduk hidup", "Dengan NIK", "Tanpa NIK", "NIK tercatat (%)", "Ada peringatan",
          "Dugaan data ganda (pasang)", "KK tanpa kepala keluarga"]
PERCENT_COLUMN = HEADER.index("NIK tercatat (%)")
AREA_COLUMNS = (1, 2)
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


def _row(label, counts, rw="", rt=""):
    return [label, rw, rt, counts.residents, counts.with_nik, counts.without_nik, round(counts.nik_percent, 1),
            counts.with_warnings, counts.duplicates, counts.headless_families]


def report_rows(report, kelurahan_name, rw=None):
    """The rows of the page's table in its order: each RW subtotal, its RTs, then the total."""
    rows = []
    for subtotal, areas in report.groups:
        rows.append(_row(f"RW {subtotal.rw or '(kosong)'}", subtotal, rw=subtotal.rw))
        for area in areas:
            rows.append(_row(f"RT {area.rt or '(kosong)'} / RW {area.rw or '(kosong)'}", area, area.rw, area.rt))
    if report.groups:
        rows.append(_row(f"Jumlah RW {rw}" if rw else f"Kelurahan {kelurahan_name}", report.total))
    return rows


def csv_bytes(rows):
    """UTF-8 with BOM, ';' and decimal commas, as an Indonesian Excel reads and writes CSV."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = SafeCsvWriter(buffer, delimiter=";")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([f"{value:.1f}".replace(".", ",") if index == PERCENT_COLUMN else value
                         for index, value in enumerate(row)])
    return buffer.getvalue().encode("utf-8")


def xlsx_file(rows):
    """The workbook in a rewound temporary file; RW/RT as text, the percentage with one decimal."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kelengkapan")
    sheet.append(xlsx_row(sheet, HEADER))
    for row in rows:
        cells = xlsx_row(sheet, [value if value != "" else None for value in row], AREA_COLUMNS)
        cells[PERCENT_COLUMN] = WriteOnlyCell(sheet, value=row[PERCENT_COLUMN])
        cells[PERCENT_COLUMN].number_format = "0.0"
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to send_file, which closes it
    book.save(out)
    out.seek(0)
    return out
