"""Hostile uploads for the decompression and parsing bounds: small files that would take the server's memory."""
import struct
import zipfile

from tests.registry.import_builders import inline_xml, raw_xlsx, rewrite_member

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>")
ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
HEADER_ROW = f'<row r="1">{inline_xml("A1", "NIK")}{inline_xml("B1", "Nama")}{inline_xml("C1", "Jenis Kelamin")}</row>'


def _stream_member(package, name, chunks, compression=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name)
    info.compress_type = compression
    with package.open(info, "w", force_zip64=True) as member:
        for chunk in chunks:
            member.write(chunk)


def xlsx_with(path, member, chunks, compression=zipfile.ZIP_DEFLATED, shared=None):
    """A valid small .xlsx whose `member` is replaced by the streamed chunks."""
    base = raw_xlsx(path.with_suffix(".base.xlsx"), HEADER_ROW, shared=shared)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info))
        _stream_member(dst, member, chunks, compression)
    return path


def huge_shared_string(path, size=1024 * MB):
    """One shared string of `size` characters (1 GB by default) in a file of about a megabyte."""
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    return xlsx_with(path, SST, [head, *(b"A" * MB for _ in range(size // MB)), b"</t></si></sst>"],
                     shared=["<t>x</t>"])


def deflate_bomb(path, size=300 * MB):
    """A sheet that inflates to `size` bytes of rows."""
    row = b'<row><c t="inlineStr"><is><t>Nama</t></is></c></row>' * 1000
    head = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>")
    count = size // len(row)
    return xlsx_with(path, SHEET, [head, *(row for _ in range(count)), b"</sheetData></worksheet>"])


def lzma_sheet(path):
    """A sheet compressed with LZMA (which neither Excel nor LibreOffice writes)."""
    rows = "".join(f'<row r="{i}">{inline_xml(f"A{i}", "x")}</row>' for i in range(2, 2000))
    xlsx = raw_xlsx(path.with_suffix(".plain.xlsx"), HEADER_ROW + rows)
    return rewrite_member(xlsx, SHEET, lambda data: data, out=path, compression=zipfile.ZIP_LZMA)


def lying_sizes(path):
    """A deflate bomb whose central directory claims the sheet inflates to 4 KB."""
    deflate_bomb(path, size=150 * MB)
    data = bytearray(path.read_bytes())
    name, offset = SHEET.encode(), 0
    while (offset := data.find(b"PK\x01\x02", offset)) >= 0:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if bytes(data[offset + 46:offset + 46 + name_length]) == name:
            struct.pack_into("<I", data, offset + 24, 4096)  # uncompressed size
        offset += 4
    path.write_bytes(bytes(data))
    return path


def laughs_in(path, member):
    """A billion-laughs DTD at the top of one XML part of an .xlsx."""
    xlsx = raw_xlsx(path.with_suffix(".plain.xlsx"), HEADER_ROW, shared=["<t>x</t>"])

    def add(data):
        text = data.decode()
        first = text.index("?>") + 2
        body = text[first:]
        if member == SST:
            body = body.replace("<t>x</t>", "<t>&lol9;</t>")
        return (text[:first] + LAUGHS + body).encode()

    return rewrite_member(xlsx, member, add, out=path)


def long_cell_xlsx(path, shared):
    """A cell of 40,000 characters, as a shared or an inline string."""
    text = "A" * 40_000
    if shared:
        return raw_xlsx(path, HEADER_ROW + '<row r="2"><c r="B2" t="s"><v>0</v></c></row>', shared=[f"<t>{text}</t>"])
    return raw_xlsx(path, HEADER_ROW + f'<row r="2">{inline_xml("B2", text)}</row>')


def ods(path, content_chunks, compression=zipfile.ZIP_DEFLATED, manifest=None):
    """An .ods whose content.xml is the streamed chunks."""
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("META-INF/manifest.xml", manifest or
                         '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        _stream_member(package, "content.xml", content_chunks, compression)
    return path


def ods_document(rows_xml, prolog=""):
    """A content.xml with one table."""
    return (f'<?xml version="1.0"?>{prolog}<office:document-content {ODS_NS}><office:body><office:spreadsheet>'
            f'<table:table table:name="Data">{rows_xml}</table:table></office:spreadsheet></office:body>'
            "</office:document-content>").encode()


def ods_row(*texts, repeat=1):
    """A table row of string cells."""
    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'
                    for t in texts)
    return f'<table:table-row table:number-rows-repeated="{repeat}">{cells}</table:table-row>'


ODS_HEADER = ods_row("NIK", "Nama", "Jenis Kelamin")
