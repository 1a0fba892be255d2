"""Spreadsheets the import tests build themselves: people with valid NIKs, .xlsx/.csv writers, hand-made packages."""
import csv
import zipfile
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


# --- hand-made .xlsx packages (the variations real generators produce) ---

_PKG = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8"?>'
_CT = (_XML + f'<Types xmlns="{_PKG}/content-types">'
       f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
       f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
       f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
       "{sst_ct}</Types>")
_ROOT_RELS = (_XML + f'<Relationships xmlns="{_PKG}/relationships">'
              f'<Relationship Id="rId1" Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = (_XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE}" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15" '
       'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">{pr}'
       '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = (_XML + f'<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_OFFICE}/styles" Target="styles.xml"/>'
            "{sst_rel}</Relationships>")
_STYLES = (_XML + f'<styleSheet xmlns="{_MAIN}">'
           '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
           '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
           '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/>'
           '<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="21" applyNumberFormat="1"/></cellXfs></styleSheet>')
_SHEET = _XML + f'<worksheet xmlns="{_MAIN}">' + "<sheetData>{rows}</sheetData>{merge}</worksheet>"
_X15_PR = ('<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}"><x15:workbookPr chartTrackingRefBase="1"/>'
           "</ext></extLst>")


def raw_xlsx(path, rows_xml, shared=None, date1904=False, x15=True, sst_name="xl/sharedStrings.xml",
             sst_target="sharedStrings.xml", merge="", compression=zipfile.ZIP_DEFLATED):
    """A minimal .xlsx written by hand: rows_xml is the inner XML of <sheetData>, shared the <si> contents.

    Style 1 is a dd/mm/yyyy date, style 2 a time; x15 adds the x15:workbookPr that Excel 2013+ writes.
    """
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    book = _WB.format(pr=pr).replace("</workbook>", (_X15_PR if x15 else "") + "</workbook>")
    sst_ct = sst_rel = ""
    files = {}
    if shared is not None:
        sst_ct = f'<Override PartName="/{sst_name}" ContentType="{_TYPE}.sharedStrings+xml"/>'
        sst_rel = f'<Relationship Id="rId3" Type="{_OFFICE}/sharedStrings" Target="{sst_target}"/>'
        items = "".join(f"<si>{text}</si>" for text in shared)
        files[sst_name] = (_XML + f'<sst xmlns="{_MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">'
                           f"{items}</sst>")
    files.update({"[Content_Types].xml": _CT.format(sst_ct=sst_ct), "_rels/.rels": _ROOT_RELS,
                  "xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": _WB_RELS.format(sst_rel=sst_rel),
                  "xl/styles.xml": _STYLES, "xl/worksheets/sheet1.xml": _SHEET.format(rows=rows_xml, merge=merge)})
    with zipfile.ZipFile(path, "w", compression) as package:
        for name, text in files.items():
            package.writestr(name, text)
    return path


def cell_xml(ref, value, kind=None, style=None):
    """One <c> with a <v>."""
    attrs = f' r="{ref}"' + (f' t="{kind}"' if kind else "") + (f' s="{style}"' if style is not None else "")
    return f"<c{attrs}><v>{value}</v></c>"


def inline_xml(ref, text):
    """One inline-string <c>."""
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def rewrite_member(path, member, change, out=None, compression=zipfile.ZIP_DEFLATED):
    """Copy a zip package with one member's bytes passed through change(bytes) -> bytes."""
    out = out or path
    with zipfile.ZipFile(path) as src:
        files = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(out, "w", compression) as dst:
        for name, data in files:
            dst.writestr(name, change(data) if name == member else data)
    return out
