"""Letter text blocks: Jinja2 in a sandbox over a documented list of placeholders.

An admin writes the opening, body and closing of a type with `{{ penduduk.nama }}`-style placeholders.
They are parsed when saved: a syntax error, an unknown placeholder, a loop or any other construct beyond
placeholders and simple filters is refused with an Indonesian message and nothing is saved. Rendering
uses jinja2.sandbox.SandboxedEnvironment with StrictUndefined, so no template can reach Python objects.
"""
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

# The documented placeholders (README "Surat"); `surat.<field>` also covers the type's extra fields.
RESIDENT_PLACEHOLDERS = {
    "nama": "Nama lengkap", "nik": "NIK", "tempat_lahir": "Tempat lahir", "tanggal_lahir": "Tanggal lahir",
    "alamat": "Alamat", "rt": "RT", "rw": "RW", "agama": "Agama", "pekerjaan": "Pekerjaan",
    "jenis_kelamin": "Jenis kelamin", "status_kawin": "Status perkawinan", "kewarganegaraan": "Kewarganegaraan",
}
LETTER_PLACEHOLDERS = {"nomor": "Nomor surat", "tanggal": "Tanggal surat", "berlaku_sampai": "Berlaku sampai",
                       "jenis": "Judul jenis surat"}
OFFICE_PLACEHOLDERS = {"nama": "Nama kantor", "kelurahan": "Kelurahan", "kecamatan": "Kecamatan", "kota": "Kota",
                       "alamat": "Alamat kantor"}
FILTERS = {"upper", "lower", "title", "capitalize", "trim", "default"}
BLOCKS = {"opening": "Pembuka", "body": "Isi", "closing": "Penutup"}
MAX_BLOCK = 4000


class TemplateProblem(ValueError):
    """A text block that cannot be saved or rendered; the message is Indonesian."""


def _environment():
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters = {name: env.filters[name] for name in FILTERS}
    env.globals = {}
    env.tests = {}
    return env


ENV = _environment()


def known_placeholders(field_names):
    """{'penduduk': {...}, 'surat': {...}, 'kantor': {...}}: every name a type's templates may use."""
    return {"penduduk": set(RESIDENT_PLACEHOLDERS), "surat": set(LETTER_PLACEHOLDERS) | set(field_names),
            "kantor": set(OFFICE_PLACEHOLDERS)}


ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Getattr, nodes.Name, nodes.Filter,
                 nodes.Const)


def _check_node(node, known, label):
    if not isinstance(node, ALLOWED_NODES):
        raise TemplateProblem(f"{label}: hanya placeholder seperti {{{{ penduduk.nama }}}} yang diizinkan "
                              f"(ditemukan bentuk yang tidak didukung).")
    if isinstance(node, nodes.Name):
        raise TemplateProblem(f"{label}: placeholder {{{{ {node.name} }}}} tidak dikenal; tulis lengkap, "
                              f"misalnya {{{{ penduduk.nama }}}}.")
    if isinstance(node, nodes.Getattr):
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in known:
            raise TemplateProblem(f"{label}: placeholder .{node.attr} tidak dikenal.")
        if node.attr not in known[target.name]:
            raise TemplateProblem(f"{label}: placeholder {{{{ {target.name}.{node.attr} }}}} tidak dikenal. "
                                  f"Lihat daftar placeholder di bawah editor.")
        return
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        raise TemplateProblem(f"{label}: filter |{node.name} tidak diizinkan.")
    for child in node.iter_child_nodes():
        _check_node(child, known, label)


def check_block(source, field_names, label="Teks"):
    """Raise TemplateProblem when a text block has a syntax error or anything but known placeholders."""
    if len(source or "") > MAX_BLOCK:
        raise TemplateProblem(f"{label}: terlalu panjang (maksimal {MAX_BLOCK} karakter).")
    try:
        tree = ENV.parse(source or "")
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"{label}: penulisan placeholder salah pada baris {error.lineno} "
                              f"(periksa tanda {{{{ dan }}}}).") from None
    _check_node(tree, known_placeholders(field_names), label)


@lru_cache(maxsize=256)
def _compiled(source):
    return ENV.from_string(source)


def render_block(source, context):
    """The block rendered with the context's penduduk/surat/kantor values (plain text)."""
    try:
        return _compiled(source or "").render(**context)
    except TemplateSyntaxError:
        raise TemplateProblem("Teks surat memuat penulisan placeholder yang salah.") from None
    except (UndefinedError, SecurityError) as error:
        raise TemplateProblem(f"Teks surat memuat placeholder yang tidak dapat diisi ({error}).") from None


def render_blocks(letter_type_blocks, context):
    """{'opening': text, 'body': text, 'closing': text} for a type's blocks."""
    return {name: render_block(letter_type_blocks.get(name, ""), context) for name in BLOCKS}


def sample_context(field_names):
    """Example values for the live preview of a type's templates."""
    return {
        "penduduk": {"nama": "Yohanes Benu", "nik": "537105******0001", "tempat_lahir": "Kupang",
                     "tanggal_lahir": "12 Maret 1990", "alamat": "Jl. Timor Raya No. 12", "rt": "003", "rw": "001",
                     "agama": "Kristen", "pekerjaan": "Wiraswasta", "jenis_kelamin": "Laki-laki",
                     "status_kawin": "Kawin", "kewarganegaraan": "WNI"},
        "surat": {"nomor": "470/0001/NKT.II/I/2027", "tanggal": "4 Januari 2027", "berlaku_sampai": "3 Februari 2027",
                  "jenis": "Surat Keterangan", **{name: f"[{name}]" for name in field_names}},
        "kantor": {"nama": "Kantor Kelurahan Naikoten Dua", "kelurahan": "Naikoten Dua", "kecamatan": "Kota Raja",
                   "kota": "Kupang", "alamat": "Jl. Soeharto No. 1"},
    }
