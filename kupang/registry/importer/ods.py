"""Streaming reader for OpenDocument spreadsheets (.ods, LibreOffice): content.xml through expat, row by row.

Cells carry their typed value (office:value, office:date-value ...); text is the cell's paragraphs joined by
line breaks, with text:s spaces and tabs restored and comments (office:annotation) left out. Repeated rows
and columns are expanded only where they hold something, within the package limits; cells covered by a
merged range are blank.
"""
import re
import zipfile
from datetime import time, timedelta
from xml.parsers import expat
from xml.sax.saxutils import unescape as xml_unescape

from .cells import MAX_COLUMNS, cell_ref, iso_value
from .errors import ImportFileError
from .package import ENCRYPTED, MAX_CELL_CHARS, ZipPackage, refuse_cell, xml_parser

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
MAX_SHEET_ROWS = 1_048_576
MAX_SPACES = 1000
DAMAGED = ("Berkas .ods rusak, terpotong, atau bukan berkas LibreOffice Calc. Buka dan simpan ulang berkas itu "
           "di LibreOffice, lalu unggah lagi.")
_TABLE_TAG = re.compile(rb"<table:table\s[^>]*?table:name=\"([^\"]*)\"")
_INTEGER = re.compile(r"^-?\d{1,18}$")
_DURATION = re.compile(r"^-?P(?:(\d+)D)?T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")
_T = {f"{TABLE} {name}": name for name in ("table", "table-row", "table-cell", "covered-table-cell")}
_T.update({f"{TEXT} {name}": name for name in ("p", "h", "s", "tab", "line-break")})
_T[f"{OFFICE} annotation"] = "annotation"
A_ROWS, A_COLS = f"{TABLE} number-rows-repeated", f"{TABLE} number-columns-repeated"
A_NAME, A_TYPE, A_SPACES = f"{TABLE} name", f"{OFFICE} value-type", f"{TEXT} c"
A_VALUE = {"float": f"{OFFICE} value", "percentage": f"{OFFICE} value", "currency": f"{OFFICE} value",
           "date": f"{OFFICE} date-value", "time": f"{OFFICE} time-value", "boolean": f"{OFFICE} boolean-value"}


def _count(attrs, name):
    try:
        return max(1, int(attrs.get(name, 1)))
    except ValueError:
        return 1


def duration_time(text):
    """office:time-value 'PT10H10M10S' as a time of day (a timedelta from 24 hours on); None when it is neither."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    total = round(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
    if total >= 86400:
        return timedelta(seconds=total)
    return time(total // 3600, total // 60 % 60, total % 60)


def typed_value(kind, raw):
    """A cell's office:value-type and value attribute as a Python value."""
    if kind == "boolean":
        return raw.strip().lower() == "true"
    if kind == "date":
        return iso_value(raw)
    if kind == "time":
        return duration_time(raw) or raw
    text = raw.strip()
    if _INTEGER.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


class _TableParser:
    """Events of one table (by position) to finished rows."""

    def __init__(self, wanted):
        self.wanted, self.table, self.inside, self.finished = wanted, -1, False, False
        self.done, self.row_number, self.cells, self.column = [], 0, {}, 0
        self.row_repeat, self.cell_repeat, self.cell_value, self.kind = 1, 1, None, None
        self.paragraphs, self.parts, self.in_p, self.annotation, self.length = [], [], 0, 0, 0

    def start(self, name, attrs):
        tag = _T.get(name)
        if tag is None:
            return
        if tag == "table":
            self.table += 1
            self.inside = self.table == self.wanted
        elif not self.inside:
            return
        elif tag == "table-row":
            self.row_repeat, self.cells, self.column = _count(attrs, A_ROWS), {}, 0
        elif tag in ("table-cell", "covered-table-cell"):
            self._start_cell(tag, attrs)
        elif tag == "annotation" or self.annotation:
            self.annotation += tag == "annotation"
        else:
            self._start_text(tag, attrs)

    def _start_text(self, tag, attrs):
        if tag in ("p", "h"):
            self.in_p, self.parts = 1, []
        elif self.in_p and tag == "s":
            self._add(" " * min(_count(attrs, A_SPACES), MAX_SPACES))
        elif self.in_p and tag == "tab":
            self._add("\t")
        elif self.in_p and tag == "line-break":
            self._add("\n")

    def _start_cell(self, tag, attrs):
        self.cell_repeat = _count(attrs, A_COLS)
        self.paragraphs, self.length, self.cell_value = [], 0, None
        self.kind = attrs.get(A_TYPE) if tag == "table-cell" else "covered"
        if self.kind in A_VALUE and A_VALUE[self.kind] in attrs:
            self.cell_value = typed_value(self.kind, attrs[A_VALUE[self.kind]])

    def end(self, name):
        tag = _T.get(name)
        if tag is None or not self.inside:
            return
        if tag == "table":
            self.inside, self.finished = False, True
        elif tag == "annotation":
            self.annotation -= 1
        elif self.annotation:
            return
        elif tag in ("p", "h") and self.in_p:
            self.in_p = 0
            self.paragraphs.append("".join(self.parts))
        elif tag in ("table-cell", "covered-table-cell"):
            self._finish_cell()
        elif tag == "table-row":
            self._finish_row()

    def text(self, data):
        if self.inside and self.in_p and not self.annotation:
            self._add(data)

    def _add(self, data):
        self.length += len(data)
        if self.length > MAX_CELL_CHARS:
            raise refuse_cell(f"Sel {cell_ref(self.row_number + 1, self.column)}")
        self.parts.append(data)

    def _finish_cell(self):
        value = self.cell_value
        if value is None and self.kind != "covered" and self.paragraphs:
            value = "\n".join(self.paragraphs)
            value = value if value != "" else None
        if value is not None and self.kind != "covered":
            for column in range(self.column, min(self.column + self.cell_repeat, MAX_COLUMNS)):
                self.cells[column] = value
        self.column += self.cell_repeat

    def _finish_row(self):
        if not self.cells:
            self.row_number += self.row_repeat
            return
        if self.row_number + self.row_repeat > MAX_SHEET_ROWS:
            raise ImportFileError("Lembar kerja berisi lebih dari 1.048.576 baris; ini bukan berkas data "
                                  "penduduk yang wajar.")
        values = [None] * (max(self.cells) + 1)
        for index, value in self.cells.items():
            values[index] = value
        self.done.append((self.row_number + 1, values, self.row_repeat))  # repeats are expanded as they are read
        self.row_number += self.row_repeat


def _expand(done):
    """Finished rows, a repeated row once per repetition (lazily: a row repeated 100,000 times is one list)."""
    for first, values, repeat in done:
        for offset in range(repeat):
            yield first + offset, list(values)


class OdsSource:
    """Rows of an .ods workbook's sheets, read as a stream."""

    fmt = "ods"

    def __init__(self, path):
        self.path, self.warnings, self.position, self.size, self.date1904 = path, [], 0, 0, False
        self.package = ZipPackage(path, DAMAGED)
        try:
            self.content = self.package.find("content.xml")
            manifest = self.package.find("META-INF/manifest.xml")
            if manifest and b"encryption-data" in self._head(manifest):
                raise ImportFileError(ENCRYPTED)
            if not self.content:
                raise ImportFileError(DAMAGED)
            self.names = self._sheet_names()
        except ImportFileError:
            self.package.close()
            raise

    def _head(self, member, size=1024 * 1024):
        with self.package.open(member) as stream:
            return stream.read(size)

    def _sheet_names(self):
        names, tail = [], b""
        with self.package.open(self.content) as stream:
            while chunk := stream.read(1024 * 1024):
                data = tail + chunk
                cut = data.rfind(b">") + 1
                names.extend(xml_unescape(m.group(1).decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})
                             for m in _TABLE_TAG.finditer(data[:cut]))
                tail = data[cut:][-4096:]
        return names or ["Lembar1"]

    def close(self):
        """Release the zip file."""
        self.package.close()

    def sheet_names(self):
        """Sheet names in workbook order."""
        return list(self.names)

    def rows(self, sheet_index=0):
        """(row number, values) of one sheet, in order; raises ImportFileError when the file is damaged."""
        parser = _TableParser(sheet_index)
        xml = xml_parser()
        xml.StartElementHandler, xml.EndElementHandler, xml.CharacterDataHandler = parser.start, parser.end, parser.text
        self.size, self.position = self.package.size(self.content) or 1, 0

        def drain():
            done, parser.done = parser.done, []
            return _expand(done)

        try:
            with self.package.open(self.content) as stream:
                while chunk := stream.read(64 * 1024):
                    self.position += len(chunk)
                    xml.Parse(chunk, False)
                    yield from drain()
                    if parser.finished:
                        return
                xml.Parse(b"", True)
                yield from drain()
        except ImportFileError:
            raise
        except (ValueError, OSError, EOFError, KeyError, expat.ExpatError, zipfile.BadZipFile):
            raise ImportFileError(DAMAGED) from None

    def progress(self):
        """Fraction of content.xml read so far."""
        return min(self.position / self.size, 1.0) if self.size else 0.0
