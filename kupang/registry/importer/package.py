"""Bounds on what an upload may make the server decompress and parse: zip members, XML, cell text.

Every spreadsheet format read here goes through these checks before (and while) its cells are read,
so a small hostile file is refused with a clear message instead of taking the server's memory:
only stored/deflate zip members, a cap on each member's and the whole package's uncompressed size
(checked on the declared sizes up front; Python's zip reader never inflates past the declared size
and then checks the CRC), no DTD or entity declarations in any XML part, at most 32,767 characters
in a cell (Excel's own limit) and a cap on the number and total size of shared strings.
"""
import zipfile
from xml.parsers import expat

from .errors import ImportFileError

MB = 1024 * 1024
MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 200 * MB     # one sheet of ~240,000 residents
MAX_TOTAL_BYTES = 300 * MB
MAX_CELL_CHARS = 32_767         # Excel's limit for one cell
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_CHARS = 64 * MB
ALLOWED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

DAMAGED = ("Berkas rusak, terpotong, atau bukan berkas lembar kerja. Buka dan simpan ulang berkas itu di "
           "Excel atau LibreOffice, lalu unggah lagi.")
ODD_COMPRESSION = ("Berkas ini dipadatkan dengan cara yang tidak dipakai Excel maupun LibreOffice ({method}), "
                   "jadi tidak dibuka. Buka berkas itu di Excel atau LibreOffice, simpan ulang, lalu unggah lagi.")
TOO_BIG = ("Isi berkas terlalu besar setelah dibuka ({size} MB; batasnya {limit} MB). Bagi data menjadi "
           "beberapa berkas, lalu unggah satu per satu.")
TOO_MANY_PARTS = "Berkas berisi terlalu banyak bagian ({count}); ini bukan berkas lembar kerja biasa."
ENCRYPTED = ("Berkas dilindungi kata sandi (terenkripsi), jadi isinya tidak dapat dibaca. Buka di Excel atau "
             "LibreOffice, hapus kata sandinya, simpan, lalu unggah lagi.")
DTD = ("Berkas berisi deklarasi DTD/entitas XML, yang tidak pernah ditulis Excel maupun LibreOffice dan dapat "
       "dipakai untuk menyerang server; berkas ditolak. Simpan ulang berkas itu di Excel atau LibreOffice.")
CELL_TOO_LONG = ("{where} berisi teks lebih dari 32.767 karakter, batas Excel untuk satu sel; "
                 "berkas ditolak. Periksa sel itu, lalu unggah lagi.")
TOO_MANY_STRINGS = ("Berkas berisi terlalu banyak teks ({count}; batasnya {limit}). Bagi data menjadi beberapa "
                    "berkas, lalu unggah satu per satu.")
METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}


def refuse_cell(where):
    """The error for a cell past Excel's length limit."""
    return ImportFileError(CELL_TOO_LONG.format(where=where))


class ZipPackage:
    """An uploaded zip package (.xlsx, .ods) whose members were checked against the limits above."""

    def __init__(self, path, damaged=DAMAGED):
        self.damaged = damaged
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise ImportFileError(damaged) from None
        try:
            self.members = _checked_members(infos)
        except ImportFileError:
            self.zip.close()
            raise

    def uncompressed_size(self):
        """Total declared uncompressed size of the members (each already within its limit)."""
        return sum(info.file_size for info in self.members.values())

    def find(self, name):
        """The member name as stored, matched without regard to case (OPC part names ignore case); None if absent."""
        info = self.members.get(name.lower())
        return info.filename if info else None

    def size(self, name):
        """Declared uncompressed size of a member."""
        return self.members[name.lower()].file_size

    def open(self, name):
        """A binary stream of one member (never more than its declared, checked size)."""
        try:
            return self.zip.open(self.members[name.lower()])
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, KeyError):
            raise ImportFileError(self.damaged) from None

    def read(self, name):
        """A whole (small) member as bytes."""
        with self.open(name) as stream:
            return stream.read()

    def close(self):
        """Release the file."""
        self.zip.close()


def _checked_members(infos):
    if len(infos) > MAX_MEMBERS:
        raise ImportFileError(TOO_MANY_PARTS.format(count=len(infos)))
    members, total = {}, 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportFileError(ENCRYPTED)
        if info.compress_type not in ALLOWED_COMPRESSION:
            method = METHODS.get(info.compress_type, f"metode {info.compress_type}")
            raise ImportFileError(ODD_COMPRESSION.format(method=method))
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            size = max(info.file_size, total)
            limit = MAX_MEMBER_BYTES if info.file_size > MAX_MEMBER_BYTES else MAX_TOTAL_BYTES
            raise ImportFileError(TOO_BIG.format(size=f"{size / MB:,.0f}".replace(",", "."), limit=limit // MB))
        key = info.filename.lower()
        if key in members:
            raise ImportFileError(DAMAGED)  # two parts of one name: which one would count?
        members[key] = info
    return members


def _refuse_dtd(*_args):
    raise ImportFileError(DTD)


def xml_parser(namespaces=True):
    """An expat parser that refuses any DTD or entity declaration (no entity is ever expanded)."""
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def parse_stream(parser, stream, chunk=64 * 1024, after_chunk=None):
    """Feed a member to a parser in chunks; after_chunk() runs between chunks (to hand out finished rows)."""
    while data := stream.read(chunk):
        parser.Parse(data, False)
        if after_chunk is not None:
            yield from after_chunk()
    parser.Parse(b"", True)
    if after_chunk is not None:
        yield from after_chunk()
