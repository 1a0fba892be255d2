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
        numbers = "NIK/KK lengkap" + (f", alasan: «{value_text(detail.get('reason'))}»" if detail.get("reason") else "")
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


def sentence(row, resolver):
    """The row's details as one or two Indonesian sentences (empty when there is nothing to add)."""
    d = row.detail_data
    action = row.action
    if action in ("service_changed", "counter_changed"):
        return _changes(d)
    if action == "resident_updated":
        return _fields(d)
    if action == "resident_event":
        return f"Peristiwa: {codes.EVENT_KINDS.get(d.get('kind'), value_text(d.get('kind')))}."
    if action == "resident_merged":
        other = resolver.resident(d.get("merged_id")) if d.get("merged_id") is not None else None
        merged = f"Data ganda {other.name} ({other.extra}) digabungkan ke data ini." if other else \
            "Data ganda digabungkan ke data ini."
        return " ".join(filter(None, [merged, _fields(d)]))
    if action == "residents_exported":
        return _export(d)
    if action == "residents_imported":
        return _import(d)
    if action == "import_uploaded":
        return f"Berkas «{value_text(d.get('file'))}» ({_size(d.get('size'))})."
    if action == "import_rejected_downloaded":
        return f"{format_thousands(d.get('rows') or 0)} baris yang ditolak diunduh."
    if action == "queue_resident_linked":
        who = resolver.resident(d.get("resident_id")) if d.get("resident_id") is not None else None
        return f"Nomor {value_text(d.get('code'))} dihubungkan dengan {who.name} ({who.extra})." if who else \
            f"Nomor {value_text(d.get('code'))} dihubungkan dengan seorang penduduk."
    if action == "user_role_changed":
        return f"Peran {value_text(d.get('target'))} diubah dari {value_text(d.get('old'))} menjadi " \
               f"{value_text(d.get('new'))}."
    if action == "user_created":
        return f"Akun {value_text(d.get('target'))} dibuat dengan peran {value_text(d.get('role'))}."
    if action in ("user_deactivated", "user_reactivated", "user_password_reset", "totp_disabled"):
        return f"Akun {value_text(d.get('target'))}." if d.get("target") else ""
    if action == "setting_changed":
        return f"Diubah dari «{value_text(d.get('old'))}» menjadi «{value_text(d.get('new'))}»."
    if action in ("login_failed", "login_throttled"):
        return f"Nama pengguna yang dicoba: «{value_text(row.username)}»." if row.username else ""
    if action.startswith("device_"):
        parts = [f"Nama: {value_text(d['name'])}." if d.get("name") else "",
                 f"Jenis: {value_text({'kiosk': 'kiosk', 'display': 'layar TV', 'survey': 'tablet survei'}.get(d.get('kind'), d.get('kind')))}."
                 if d.get("kind") else ""]
        return " ".join(filter(None, parts))
    return _generic(d)


def _generic(detail):
    """Any other detail: 'label: value' sentences, never a Python dict."""
    return " ".join(f"{key.replace('_', ' ').capitalize()}: {value_text(value)}." for key, value in sorted(detail.items())
                    if key not in ("resident_id",))


def action_label(action):
    """The action in Indonesian (unknown ones spelled out without underscores)."""
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def describe(rows, resolver=None):
    """[(row, action label, Named object or None, sentence)] for a page of rows, names resolved in batch."""
    from .audit_objects import Resolver

    resolver = resolver or Resolver(rows)
    return [(row, action_label(row.action), resolver.named(row), sentence(row, resolver)) for row in rows]


