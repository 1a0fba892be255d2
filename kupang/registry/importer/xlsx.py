"""Streaming reader for .xlsx/.xlsm: zip + expat, namespace-aware, one row at a time (memory stays flat).

Read as Excel shows the cells: the workbook's date system (only the main namespace's workbookPr counts, not
x15:workbookPr), Excel's phantom 29-02-1900, `_xHHHH_` escapes, inline strings (never their cached <v>),
ISO dates and times in t="d" cells, part names in any case, and cells hidden under a merged range are blank.
"""
import posixpath
import re
import zipfile
from xml.parsers import expat

from .cells import MAX_COLUMNS, Merges, cell_ref, column_index, iso_value, unescape
from .errors import ImportFileError
from .package import (
    MAX_CELL_CHARS,
    MAX_SHARED_CHARS,
    MAX_SHARED_STRINGS,
    TOO_MANY_STRINGS,
    ZipPackage,
    parse_stream,
    refuse_cell,
    xml_parser,
)
from .values import excel_serial, excel_time

MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
REL_ID = {"http://schemas.openxmlformats.org/officeDocument/2006/relationships id",
          "http://purl.oclc.org/ooxml/officeDocument/relationships id"}
DAMAGED = ("Berkas .xlsx rusak, terpotong, atau bukan berkas Excel. Buka dan simpan ulang berkas itu di Excel, "
           "lalu unggah lagi.")
XLSB = ("Format .xlsb (Buku Kerja Biner Excel) tidak dapat dibaca. Buka di Excel lalu \u201cSimpan sebagai\u201d "
        "Buku Kerja Excel (.xlsx).")
BAD_SHARED = ("Berkas .xlsx rusak: sel {ref} merujuk teks bersama nomor {index}, padahal berkas hanya berisi "
              "{count} teks bersama. Buka dan simpan ulang berkas itu di Excel, lalu unggah lagi.")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref=\""
                    rb"([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})\"")


def _tags(*names):
    return {f"{ns} {name}": name for ns in MAIN for name in names}


SHEET_TAGS = _tags("row", "c", "v", "is", "t", "rPh")
SHARED_TAGS = _tags("si", "t", "rPh")


class _SharedStrings:
    """Collects <si> texts (rich-text runs joined, phonetic runs skipped) within the package limits."""

    def __init__(self):
        self.items, self.parts, self.length, self.total = [], [], 0, 0
        self.in_text, self.phonetic = False, 0

    def start(self, name, _attrs):
        tag = SHARED_TAGS.get(name)
        if tag == "t":
            self.in_text = not self.phonetic
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "si":
            self.parts, self.length = [], 0
            if len(self.items) >= MAX_SHARED_STRINGS:
                raise ImportFileError(TOO_MANY_STRINGS.format(count=f"lebih dari {MAX_SHARED_STRINGS:,}".replace(
                    ",", "."), limit=f"{MAX_SHARED_STRINGS:,}".replace(",", ".")))

    def end(self, name):
        tag = SHARED_TAGS.get(name)
        if tag == "t":
            self.in_text = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            self.items.append(unescape("".join(self.parts)))

    def text(self, data):
        if self.in_text:
            self.length += len(data)
            self.total += len(data)
            if self.length > MAX_CELL_CHARS:
                raise refuse_cell(f"Teks bersama nomor {len(self.items)}")
            if self.total > MAX_SHARED_CHARS:
                raise ImportFileError(TOO_MANY_STRINGS.format(count="terlalu banyak", limit="64 juta huruf"))
            self.parts.append(data)


class _SheetParser:
    """Turns <row>/<c> events into finished rows (row number, list of values)."""

    def __init__(self, shared, date_styles, date1904, merges):
        self.shared, self.date_styles, self.date1904, self.merges = shared, date_styles, date1904, merges
        self.done, self.cells, self.row_number, self.column = [], {}, 0, -1
        self.cell_type = self.cell_style = None
        self.v_parts, self.is_parts, self.target, self.in_is, self.phonetic, self.length = [], [], None, 0, 0, 0

    def start(self, name, attrs):
        tag = SHEET_TAGS.get(name)
        if tag == "c":
            ref = attrs.get("r", "")
            letters = ref.rstrip("0123456789")
            self.column = column_index(letters) if letters.isalpha() and len(letters) <= 3 else self.column + 1
            self.cell_type, self.cell_style = attrs.get("t", "n"), attrs.get("s")
            self.v_parts, self.is_parts, self.length = [], [], 0
        elif tag == "v":
            self.target = self.v_parts
        elif tag == "t":
            if self.in_is and not self.phonetic:
                self.target = self.is_parts
        elif tag == "is":
            self.in_is += 1
        elif tag == "row":
            number = attrs.get("r", "")
            self.row_number = int(number) if number.isdigit() else self.row_number + 1
            self.cells, self.column = {}, -1
        elif tag == "rPh":
            self.phonetic += 1

    def end(self, name):
        tag = SHEET_TAGS.get(name)
        if tag == "c":
            self._finish_cell()
        elif tag in ("v", "t"):
            self.target = None
        elif tag == "is":
            self.in_is -= 1
        elif tag == "row":
            self._finish_row()
        elif tag == "rPh":
            self.phonetic -= 1

    def text(self, data):
        if self.target is not None:
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                raise refuse_cell(f"Sel {cell_ref(self.row_number, self.column)}")
            self.target.append(data)

    def _finish_cell(self):
        if self.column >= MAX_COLUMNS:
            return
        if self.cell_type == "inlineStr":
            if self.is_parts:
                self.cells[self.column] = unescape("".join(self.is_parts))
        elif self.v_parts:
            self.cells[self.column] = self.value("".join(self.v_parts))
        elif self.is_parts:
            self.cells[self.column] = unescape("".join(self.is_parts))

    def _finish_row(self):
        if self.merges is not None:
            for column in self.merges.hidden(self.row_number):
                self.cells.pop(column, None)
        if self.cells:
            values = [None] * (max(self.cells) + 1)
            for index, value in self.cells.items():
                values[index] = value
            self.done.append((self.row_number, values))

    def value(self, raw):
        """One cell's <v> text as a Python value by its type and style."""
        kind = self.cell_type
        if kind == "s":
            return self._shared(raw)
        if kind in ("str", "e"):
            return unescape(raw)
        if kind == "b":
            return raw.strip() == "1"
        if kind == "d":
            return iso_value(raw)
        try:
            number = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
        except ValueError:
            return raw
        if self.cell_style is not None and self.cell_style in self.date_styles and 0 <= number < 2958466:
            if number < 1:
                return excel_time(number)
            return excel_serial(number, self.date1904) or number
        return number

    def _shared(self, raw):
        try:
            return self.shared[int(raw)]
        except (ValueError, IndexError):
            raise ImportFileError(BAD_SHARED.format(ref=cell_ref(self.row_number, self.column), index=raw.strip(),
                                                    count=len(self.shared))) from None


def _member(target, base="xl"):
    """A relationship target as a zip member name ('worksheets/sheet1.xml' -> 'xl/worksheets/sheet1.xml')."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


class XlsxSource:
    """Rows of an .xlsx workbook's sheets, read as a stream."""

    fmt = "xlsx"

    def __init__(self, path):
        self.path, self.warnings, self.position, self.size = path, [], 0, 0
        self.package = ZipPackage(path, DAMAGED)
        try:
            if self.package.find("xl/workbook.bin"):
                raise ImportFileError(XLSB)
            if not self.package.find("xl/workbook.xml"):
                raise ImportFileError(DAMAGED)
            self.sheets, self.date1904, shared_path = self._workbook()
            self.shared = self._shared_strings(shared_path)
            self.date_styles = self._date_styles()
        except ImportFileError:
            self.package.close()
            raise
        except (ValueError, OSError, EOFError, KeyError, expat.ExpatError):
            self.package.close()
            raise ImportFileError(DAMAGED) from None

    def close(self):
        """Release the zip file."""
        self.package.close()

    def _parse(self, member, start=None, end=None, text=None):
        parser = xml_parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        with self.package.open(member) as stream:
            for _ in parse_stream(parser, stream):
                pass

    def _workbook(self):
        rels = {}
        rels_member = self.package.find("xl/_rels/workbook.xml.rels")
        if rels_member:
            self._parse(rels_member, start=lambda n, a: rels.__setitem__(a.get("Id"), (a.get("Target", ""),
                                                                                         a.get("Type", "")))
                        if n.endswith(" Relationship") else None)
        sheets, flags = [], {}

        def start(name, attrs):
            if name in _WB_SHEET:
                rid = next((v for k, v in attrs.items() if k in REL_ID), None)
                sheets.append((attrs.get("name", ""), self.package.find(_member(rels.get(rid, ("", ""))[0]))))
            elif name in _WB_PR:  # the main namespace's workbookPr only (x15:workbookPr is another element)
                flags["date1904"] = attrs.get("date1904", "").strip().lower() in ("1", "true")

        self._parse(self.package.find("xl/workbook.xml"), start=start)
        shared = next((_member(t) for t, kind in rels.values() if kind.endswith("/sharedStrings")), None)
        shared = self.package.find(shared) if shared else None
        return sheets, flags.get("date1904", False), shared or self.package.find("xl/sharedStrings.xml")

    def _shared_strings(self, member):
        if not member:
            return []
        collector = _SharedStrings()
        self._parse(member, collector.start, collector.end, collector.text)
        return collector.items

    def _date_styles(self):
        member = self.package.find("xl/styles.xml")
        if not member:
            return set()
        custom, xf_formats, depth = {}, [], {"cellXfs": False}

        def start(name, attrs):
            local = name.rpartition(" ")[2]
            if local == "numFmt":
                custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"]:
                xf_formats.append(_int(attrs.get("numFmtId")))

        def end(name):
            if name.endswith(" cellXfs"):
                depth["cellXfs"] = False

        self._parse(member, start, end)
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # lazy: openpyxl costs ~5 MB

        return {str(index) for index, fmt_id in enumerate(xf_formats)
                if is_date_format(custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id) or "General")}

    def sheet_names(self):
        """Sheet names in workbook order."""
        return [name for name, _member_path in self.sheets]

    def _merges(self, member):
        """Merged ranges, from the part of the sheet after its cells (a second, cheap pass: no XML parsing)."""
        tail, seen = b"", False
        ranges = []
        with self.package.open(member) as stream:
            while chunk := stream.read(1024 * 1024):
                data = tail + chunk
                if not seen:
                    at = data.find(b"sheetData>")
                    at = data.find(b"sheetData/>") if at < 0 else at
                    if at < 0:
                        tail = data[-32:]
                        continue
                    seen, data = True, data[at:]
                cut = data.rfind(b">") + 1
                for match in _MERGE.finditer(data[:cut]):
                    a, r1, b, r2 = match.groups()
                    first_col, last_col = column_index(a.decode()), column_index(b.decode())
                    ranges.append((int(r1), int(r2), first_col, last_col))
                tail = data[cut:]
        return Merges(ranges) if ranges else None

    def rows(self, sheet_index=0):
        """(row number, values) of one sheet, in order; raises ImportFileError when the sheet is damaged."""
        member = self.sheets[sheet_index][1]
        if not member:
            raise ImportFileError(DAMAGED)
        parser = _SheetParser(self.shared, self.date_styles, self.date1904, None)
        try:
            parser.merges = self._merges(member)
            xml = xml_parser()
            xml.StartElementHandler, xml.EndElementHandler = parser.start, parser.end
            xml.CharacterDataHandler = parser.text
            self.size, self.position = self.package.size(member) or 1, 0
            with self.package.open(member) as stream:
                counted = _Counted(stream, self)
                yield from parse_stream(xml, counted, after_chunk=lambda: _drain(parser))
        except ImportFileError:
            raise
        except (ValueError, OSError, EOFError, KeyError, expat.ExpatError, zipfile.BadZipFile):
            raise ImportFileError(f"Berkas .xlsx rusak atau terpotong (setelah baris {parser.row_number}). "
                                  "Buka dan simpan ulang berkas itu di Excel, lalu unggah lagi.") from None

    def progress(self):
        """Fraction of the current sheet read so far."""
        return min(self.position / self.size, 1.0) if self.size else 0.0


_WB_SHEET = {f"{ns} sheet" for ns in MAIN}
_WB_PR = {f"{ns} workbookPr" for ns in MAIN}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return -1


def _drain(parser):
    done, parser.done = parser.done, []
    return done


class _Counted:
    """A stream wrapper that records how far a source has read (for the progress bar)."""

    def __init__(self, stream, source):
        self.stream, self.source = stream, source

    def read(self, size):
        """Read and count."""
        data = self.stream.read(size)
        self.source.position += len(data)
        return data
