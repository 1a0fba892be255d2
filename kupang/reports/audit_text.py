"""Audit rows as Indonesian sentences: the action, what changed, with names instead of ids or Python values."""
import re

from ..audit import ACTION_LABELS
from ..layout import format_thousands
from ..registry import codes
from ..registry.masking import mask_nik
from ..security import ROLES

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
FIELD_LABELS = {
    # services and counters (queue admin)
    "name": "nama", "prefix": "huruf awalan", "requirements": "persyaratan", "opens_at": "jam buka",
    "closes_at": "jam tutup", "daily_cap": "kuota per hari", "minutes_per_ticket": "perkiraan menit per nomor",
    "standard_minutes": "waktu layanan standar (menit)", "allow_priority": "menerima antrian prioritas",
    "active": "aktif", "sort_order": "urutan tampil", "number": "nomor loket", "services": "layanan",
}
FILTER_LABELS = {"q": "pencarian", "rt": "RT", "rw": "RW", "status": "status", "tanpa_nik": "tanpa NIK",
                 "peringatan": "dengan peringatan", "digabung": "termasuk data digabung"}


def value_text(value):
    """A recorded value as people read it: times 16.00, booleans ya/tidak, roles in Indonesian, NIKs masked."""
    if value is None or value == "":
        return "(kosong)"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return format_thousands(value)
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or "(kosong)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    text = str(value)
    if re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", text):
        return text[:5].replace(":", ".")
    if text in ROLES:
        return ROLES[text]
    if text in ("True", "False"):
        return "ya" if text == "True" else "tidak"
    return SIXTEEN_DIGITS.sub(lambda m: mask_nik(m.group(0)), " ".join(text.split()))


def _changes(detail):
    parts = []
    for key, value in sorted(detail.items()):
        label = FIELD_LABELS.get(key, key.replace("_", " "))
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{label.capitalize()} diubah dari {value_text(value[0])} menjadi {value_text(value[1])}.")
        else:
            parts.append(f"{label.capitalize()}: {value_text(value)}.")
    return " ".join(parts)


def _fields(detail):
    from ..registry.residents import FIELD_LABELS as RESIDENT_FIELDS

    names = [RESIDENT_FIELDS.get(f, f) for f in detail.get("fields") or []]
    return f"Kolom yang diubah: {', '.join(names)}." if names else ""


def _export(detail):
    size = f"{format_thousands(detail.get('rows') or 0)} baris"
    fmt = (detail.get("format") or "").lower()
    if detail.get("masked", True):
        numbers = "NIK/KK disamarkan"
    else:
        reason = detail.get("reason")
        numbers = "NIK/KK lengkap" + (f", alasan: «{value_text(reason)}»" if reason else "")
    filters = detail.get("filters") or {}
    described = ", ".join(f"{FILTER_LABELS.get(k, k)} {value_text(v) if v != '1' else ''}".strip()
                          for k, v in filters.items())
    where = f" Saringan: {described}." if described else " Tanpa saringan (semua penduduk)."
    return f"Ekspor berkas .{fmt}, {size}, {numbers}.{where}"


def _import(detail):
    counts = [(detail.get("new"), "baru"), (detail.get("updated"), "diperbarui"), (detail.get("unchanged"), "tetap"),
              (detail.get("rejected"), "ditolak")]
    said = ", ".join(f"{format_thousands(n)} {w}" for n, w in counts if n is not None)
    return f"Berkas «{value_text(detail.get('file'))}»: {format_thousands(detail.get('rows') or 0)} baris" + \
        (f" ({said})." if said else ".")


def _size(value):
    try:
        size = int(value)
    except (TypeError, ValueError):
        return ""
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",") if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def _merged(row, resolver):
    d = row.detail_data
    other = resolver.resident(d.get("merged_id")) if d.get("merged_id") is not None else None
    merged = f"Data ganda {other.name} ({other.extra}) digabungkan ke data ini." if other else \
        "Data ganda digabungkan ke data ini."
    return " ".join(filter(None, [merged, _fields(d)]))


def _linked(row, resolver):
    d = row.detail_data
    who = resolver.resident(d.get("resident_id")) if d.get("resident_id") is not None else None
    code = value_text(d.get("code"))
    return f"Nomor {code} dihubungkan dengan {who.name} ({who.extra})." if who else \
        f"Nomor {code} dihubungkan dengan seorang penduduk."


def _device(detail):
    kinds = {"kiosk": "kiosk", "display": "layar TV", "survey": "tablet survei"}
    parts = [f"Nama: {value_text(detail['name'])}." if detail.get("name") else "",
             f"Jenis: {kinds.get(detail.get('kind'), value_text(detail.get('kind')))}." if detail.get("kind") else ""]
    return " ".join(filter(None, parts))


def _target(detail):
    return f"Akun {value_text(detail.get('target'))}." if detail.get("target") else ""


SENTENCES = {  # action -> (row, resolver) -> text
    "service_changed": lambda r, _n: _changes(r.detail_data),
    "counter_changed": lambda r, _n: _changes(r.detail_data),
    "resident_updated": lambda r, _n: _fields(r.detail_data),
    "resident_event": lambda r, _n: "Peristiwa: "
    f"{codes.EVENT_KINDS.get(r.detail_data.get('kind'), value_text(r.detail_data.get('kind')))}.",
    "resident_merged": _merged,
    "residents_exported": lambda r, _n: _export(r.detail_data),
    "residents_imported": lambda r, _n: _import(r.detail_data),
    "import_uploaded": lambda r, _n: f"Berkas «{value_text(r.detail_data.get('file'))}» "
    f"({_size(r.detail_data.get('size'))}).",
    "import_rejected_downloaded": lambda r, _n: f"{format_thousands(r.detail_data.get('rows') or 0)} baris yang "
    "ditolak diunduh.",
    "queue_resident_linked": _linked,
    "user_role_changed": lambda r, _n: f"Peran {value_text(r.detail_data.get('target'))} diubah dari "
    f"{value_text(r.detail_data.get('old'))} menjadi {value_text(r.detail_data.get('new'))}.",
    "user_created": lambda r, _n: f"Akun {value_text(r.detail_data.get('target'))} dibuat dengan peran "
    f"{value_text(r.detail_data.get('role'))}.",
    "user_deactivated": lambda r, _n: _target(r.detail_data),
    "user_reactivated": lambda r, _n: _target(r.detail_data),
    "user_password_reset": lambda r, _n: _target(r.detail_data),
    "totp_disabled": lambda r, _n: _target(r.detail_data),
    "setting_changed": lambda r, _n: f"Diubah dari «{value_text(r.detail_data.get('old'))}» menjadi "
    f"«{value_text(r.detail_data.get('new'))}».",
    "login_failed": lambda r, _n: f"Nama pengguna yang dicoba: «{value_text(r.username)}»." if r.username else "",
    "login_throttled": lambda r, _n: f"Nama pengguna yang dicoba: «{value_text(r.username)}»." if r.username else "",
}


def sentence(row, resolver):
    """The row's details as one or two Indonesian sentences (empty when there is nothing to add)."""
    handler = SENTENCES.get(row.action)
    if handler is not None:
        return handler(row, resolver)
    if row.action.startswith("device_"):
        return _device(row.detail_data)
    return _generic(row.detail_data)


def _generic(detail):
    """Any other detail: 'label: value' sentences, never a Python dict."""
    return " ".join(f"{key.replace('_', ' ').capitalize()}: {value_text(value)}."
                    for key, value in sorted(detail.items()) if key != "resident_id")


def action_label(action):
    """The action in Indonesian; an area that has not named its action yet shows its code."""
    return ACTION_LABELS.get(action) or f"Aksi lain (kode {action})"


def describe(rows, resolver=None):
    """[(row, action label, Named object or None, sentence)] for a page of rows, names resolved in batch."""
    from .audit_objects import Resolver

    resolver = resolver or Resolver(rows)
    return [(row, action_label(row.action), resolver.named(row), sentence(row, resolver)) for row in rows]


