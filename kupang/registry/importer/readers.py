"""Streaming readers for uploaded sheets: .xlsx (zip + expat, no whole-sheet load) and .csv (BOM, ';' or ',')."""
import codecs
import csv
import os
import posixpath
import zipfile
import zlib
from datetime import datetime, timedelta
from xml.parsers import expat

from .values import EXCEL_1904_EPOCH, EXCEL_EPOCH

CHUNK = 64 * 1024
MAX_COLUMNS = 512  # a stray cell far to the right must not blow a row up to 16,384 cells
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)
_COLUMNS = {}  # 'AB' -> 27, filled as columns are met
LATIN1_WARNING = ("Berkas CSV tidak tersimpan sebagai UTF-8, jadi dibaca sebagai Latin-1 (Windows-1252). "
                  "Periksa huruf beraksen pada pratinjau; sebaiknya simpan sebagai \u201cCSV UTF-8\u201d.")


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is Indonesian and says what to do."""


def detect_format(filename, head):
    """'xlsx' or 'csv' from the name and the first bytes; raises ImportFileError for anything else."""
    name = (filename or "").lower()
    if head.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise ImportFileError("Format .xls (Excel 97-2003) tidak didukung. Buka di Excel lalu "
                              "\u201cSimpan sebagai\u201d Buku Kerja Excel (.xlsx) atau CSV.")
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return "xlsx"
    if name.endswith(".csv") or name.endswith(".txt"):
        if head.startswith(ZIP_MAGIC):
            raise ImportFileError("Berkas ini bernama .csv tetapi isinya berkas Excel (.xlsx). "
                                  "Ganti nama berkasnya menjadi .xlsx atau simpan ulang sebagai CSV.")
        return "csv"
    raise ImportFileError("Hanya berkas .xlsx atau .csv yang dapat diimpor.")


def open_source(path, fmt):
    """A reader for the stored upload: XlsxSource or CsvSource."""
    return XlsxSource(path) if fmt == "xlsx" else CsvSource(path)


# --- .xlsx -----------------------------------------------------------------------------------

def _column_index(letters, previous):
    """0-based column of a cell reference's letters; the next column when the reference is missing."""
    if not letters or not letters.isalpha() or len(letters) > 3:
        return previous + 1
    from openpyxl.utils.cell import column_index_from_string  # lazy: openpyxl costs ~5 MB per worker

    index = _COLUMNS[letters] = column_index_from_string(letters.upper()) - 1
    return index


def _local(name):
    return name.rpartition(":")[2]


def _parse_xml(stream, start=None, end=None, text=None):
    """Run expat over a zip member with the given handlers (names without namespace prefixes)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    if start:
        parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    if end:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text:
        parser.CharacterDataHandler = text
    parser.ParseFile(stream)


class _SharedStrings:
    """Collects <si> texts, skipping phonetic runs (<rPh>)."""

    def __init__(self):
        self.items, self.parts, self.in_text, self.phonetic = [], [], False, 0

    def start(self, name, _attrs):
        if name == "t" and not self.phonetic:
            self.in_text = True
        elif name == "rPh":
            self.phonetic += 1
        elif name == "si":
            self.parts = []

    def end(self, name):
        if name == "t":
            self.in_text = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.items.append("".join(self.parts))

    def text(self, data):
        if self.in_text:
            self.parts.append(data)


class _SheetParser:
    """Turns <row>/<c> events into finished rows (row number, list of values)."""

    def __init__(self, shared, date_styles, date1904):
        self.shared, self.date_styles, self.date1904 = shared, date_styles, date1904
        self.done, self.cells, self.row_number, self.column = [], {}, 0, -1
        self.cell_type = self.cell_style = None
        self.parts, self.in_value, self.phonetic = [], False, 0

    def start(self, name, attrs):
        if name == "c":
            letters = attrs.get("r", "").rstrip("0123456789")
            column = _COLUMNS.get(letters)
            if column is None:
                column = _column_index(letters, self.column)
            self.column = column
            self.cell_type, self.cell_style, self.parts = attrs.get("t", "n"), attrs.get("s"), []
        elif name == "v" or name == "t":
            if not self.phonetic:
                self.in_value = True
        elif name == "is":
            pass
        elif name == "row":
            number = attrs.get("r", "")
            self.row_number = int(number) if number.isdigit() else self.row_number + 1
            self.cells, self.column = {}, -1
        elif name == "rPh":
            self.phonetic += 1
        elif ":" in name:  # x:c, x:row ... from generators that prefix the main namespace
            self.start(name.rpartition(":")[2], attrs)

    def end(self, name):
        if name == "c":
            parts = self.parts
            if parts and self.column < MAX_COLUMNS:
                self.cells[self.column] = self.value(parts[0] if len(parts) == 1 else "".join(parts))
        elif name == "v" or name == "t":
            self.in_value = False
        elif name == "is":
            pass
        elif name == "row":
            if self.cells:
                values = [None] * (max(self.cells) + 1)
                for index, value in self.cells.items():
                    values[index] = value
                self.done.append((self.row_number, values))
        elif name == "rPh":
            self.phonetic -= 1
        elif ":" in name:
            self.end(name.rpartition(":")[2])

    def text(self, data):
        if self.in_value:
            self.parts.append(data)

    def value(self, raw):
        """One cell's text as a Python value by its type and style."""
        kind = self.cell_type
        if kind == "s":
            return self.shared[int(raw)]
        if kind in ("inlineStr", "str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        if kind == "d":
            return datetime.fromisoformat(raw.rstrip("Z"))
        number = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
        if self.cell_style is not None and int(self.cell_style) in self.date_styles and 0 < number < 2958466:
            epoch = EXCEL_1904_EPOCH if self.date1904 else EXCEL_EPOCH
            return datetime(epoch.year, epoch.month, epoch.day) + timedelta(days=number)
        return number


class XlsxSource:
    """Rows of an .xlsx workbook's sheets, read as a stream (memory stays flat for big sheets)."""

    fmt = "xlsx"

    def __init__(self, path):
        self.path = path
        self.warnings = []
        self.position = self.size = 0
        try:
            self.zip = zipfile.ZipFile(path)
            self.sheets, self.date1904, shared_path = self._workbook()
            self.shared = self._shared_strings(shared_path)
            self.date_styles = self._date_styles()
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError, expat.ExpatError):
            raise ImportFileError("Berkas .xlsx rusak, terpotong, atau bukan berkas Excel. Buka dan simpan "
                                  "ulang berkas itu di Excel, lalu unggah lagi.") from None

    def close(self):
        """Release the zip file."""
        self.zip.close()

    def _workbook(self):
        rels = {}
        _parse_xml(self.zip.open("xl/_rels/workbook.xml.rels"),
                   start=lambda n, a: rels.__setitem__(a.get("Id"), (a.get("Target", ""), a.get("Type", "")))
                   if n == "Relationship" else None)
        sheets, flags = [], {}

        def start(name, attrs):
            if name == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
                target = rels.get(rid, ("", ""))[0]
                sheets.append((attrs.get("name", ""), _member(target)))
            elif name == "workbookPr":
                flags["date1904"] = attrs.get("date1904") in ("1", "true")

        _parse_xml(self.zip.open("xl/workbook.xml"), start=start)
        shared = next((_member(t) for t, kind in rels.values() if kind.endswith("/sharedStrings")), None)
        return sheets, flags.get("date1904", False), shared

    def _shared_strings(self, member):
        if not member or member not in self.zip.namelist():
            return []
        collector = _SharedStrings()
        _parse_xml(self.zip.open(member), collector.start, collector.end, collector.text)
        return collector.items

    def _date_styles(self):
        if "xl/styles.xml" not in self.zip.namelist():
            return set()
        custom, xf_formats, depth = {}, [], {"cellXfs": False}

        def start(name, attrs):
            if name == "numFmt":
                custom[int(attrs.get("numFmtId", -1))] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                depth["cellXfs"] = True
            elif name == "xf" and depth["cellXfs"]:
                xf_formats.append(int(attrs.get("numFmtId", 0)))

        def end(name):
            if name == "cellXfs":
                depth["cellXfs"] = False

        _parse_xml(self.zip.open("xl/styles.xml"), start, end)
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # lazy, like the rest of openpyxl

        return {index for index, fmt_id in enumerate(xf_formats)
                if is_date_format(custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id) or "General")}

    def sheet_names(self):
        """Sheet names in workbook order."""
        return [name for name, _member_path in self.sheets]

    def rows(self, sheet_index=0):
        """(row number, values) of one sheet, in order; raises ImportFileError when the sheet is damaged."""
        member = self.sheets[sheet_index][1]
        parser = _SheetParser(self.shared, self.date_styles, self.date1904)
        xml = expat.ParserCreate()
        xml.buffer_text = True
        xml.StartElementHandler = parser.start
        xml.EndElementHandler = parser.end
        xml.CharacterDataHandler = parser.text
        try:
            self.size = self.zip.getinfo(member).file_size or 1
            self.position = 0
            with self.zip.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    self.position += len(chunk)
                    xml.Parse(chunk, False)
                    yield from parser.done
                    parser.done = []
                xml.Parse(b"", True)
            yield from parser.done
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError, expat.ExpatError):
            raise ImportFileError(f"Berkas .xlsx rusak atau terpotong (setelah baris {parser.row_number}). "
                                  "Buka dan simpan ulang berkas itu di Excel, lalu unggah lagi.") from None

    def progress(self):
        """Fraction of the current sheet read so far."""
        return min(self.position / self.size, 1.0) if self.size else 0.0


def _member(target):
    """A relationship target as a zip member name ('worksheets/sheet1.xml' -> 'xl/worksheets/sheet1.xml')."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


# --- .csv ------------------------------------------------------------------------------------

def _is_utf8(path):
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(CHUNK * 4):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def sniff_delimiter(sample):
    """';', ',' or tab: whichever occurs most in the first lines (Excel in an Indonesian locale writes ';')."""
    lines = sample.splitlines()[:30]
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class CsvSource:
    """Rows of a CSV file: UTF-8 with or without BOM, else Latin-1 with a warning; ';', ',' or tab."""

    fmt = "csv"

    def __init__(self, path):
        self.path = path
        self.warnings = []
        with open(path, "rb") as fh:
            head = fh.read(CHUNK)
        if b"\x00" in head:
            raise ImportFileError("Berkas CSV berisi data biner (bukan teks). Simpan ulang sebagai CSV dari Excel.")
        if head.startswith(codecs.BOM_UTF8):
            self.encoding = "utf-8-sig"
        elif _is_utf8(path):
            self.encoding = "utf-8"
        else:
            self.encoding = "cp1252"
            self.warnings.append(LATIN1_WARNING)
        self.bom = self.encoding == "utf-8-sig"
        self.delimiter = sniff_delimiter(self._decode(head))
        self.sheets = [("CSV", None)]
        self.fh = None

    def _decode(self, data):
        try:
            return data.decode(self.encoding, errors="ignore")
        except LookupError:  # pragma: no cover - the encodings above always exist
            return data.decode("latin-1")

    def sheet_names(self):
        """A CSV has one sheet."""
        return ["CSV"]

    def rows(self, sheet_index=0):
        """(record number, values) in order; empty cells are None."""
        errors = "strict" if self.encoding.startswith("utf-8") else _CP1252_FALLBACK
        self.fh = open(self.path, encoding=self.encoding, errors=errors, newline="")  # noqa: SIM115
        try:
            reader = csv.reader(self.fh, delimiter=self.delimiter)
            for number, record in enumerate(reader, start=1):
                yield number, [cell if cell.strip() else None for cell in record]
        except (csv.Error, UnicodeDecodeError) as error:
            raise ImportFileError(f"Berkas CSV tidak dapat dibaca: {error}.") from None
        finally:
            self.fh.close()

    def progress(self):
        """Fraction of the file read so far (by bytes)."""
        if self.fh is None or self.fh.closed:
            return 0.0
        size = os.fstat(self.fh.fileno()).st_size or 1
        return min(self.fh.buffer.raw.tell() / size, 1.0)

    def close(self):
        """Nothing stays open between reads."""


def _latin1_for_undefined(error):
    # The five bytes Windows-1252 leaves undefined are read as their Latin-1 characters.
    return error.object[error.start:error.end].decode("latin-1"), error.end


_CP1252_FALLBACK = "kupang-cp1252-latin1"
codecs.register_error(_CP1252_FALLBACK, _latin1_for_undefined)
