"""Letter types as the admin edits them: extra fields written one per line, text blocks checked at save."""
import json
import re

from .models import FIELD_KINDS
from .numbering import NumberingError, check_format
from .templating import BLOCKS, TemplateProblem, check_block

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MAX_FIELDS = 15
RESERVED = {"nomor", "tanggal", "berlaku_sampai", "jenis"}


def fields_text(fields):
    """The fields as the admin edits them: 'keperluan | Keperluan | teks | wajib' per line."""
    lines = [[f["name"], f["label"], f.get("kind", "teks")] + (["wajib"] if f.get("required") else []) for f in fields]
    return "\n".join(" | ".join(parts) for parts in lines)


def parse_fields(text):
    """[{name, label, kind, required}] from the admin's lines; raises TemplateProblem with the line's fault."""
    fields, names = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        name, label = parts[0].lower(), parts[1] if len(parts) > 1 else ""
        kind = (parts[2] if len(parts) > 2 and parts[2] else "teks").lower()
        flags = {part.lower() for part in parts[3:]}
        if not FIELD_NAME.match(name) or name in RESERVED:
            raise TemplateProblem(f"Isian baris {number}: nama '{parts[0]}' tidak valid (huruf kecil, angka, garis "
                                  f"bawah; bukan {', '.join(sorted(RESERVED))}).")
        if name in names:
            raise TemplateProblem(f"Isian baris {number}: nama '{name}' dipakai dua kali.")
        if not label:
            raise TemplateProblem(f"Isian baris {number}: tulis labelnya, misalnya 'keperluan | Keperluan'.")
        if kind not in FIELD_KINDS:
            raise TemplateProblem(f"Isian baris {number}: jenis '{kind}' tidak dikenal; "
                                  f"pilih {', '.join(FIELD_KINDS)}.")
        if flags - {"wajib"}:
            unknown = ", ".join(sorted(flags - {"wajib"}))
            raise TemplateProblem(f"Isian baris {number}: tanda '{unknown}' tidak dikenal.")
        names.add(name)
        fields.append({"name": name, "label": label[:80], "kind": kind, "required": "wajib" in flags})
    if len(fields) > MAX_FIELDS:
        raise TemplateProblem(f"Paling banyak {MAX_FIELDS} isian per jenis surat.")
    return fields


def parse_requirements(text):
    """The requirements, one per line, without blanks or repeats."""
    seen = []
    for line in (text or "").splitlines():
        item = " ".join(line.split())[:150]
        if item and item not in seen:
            seen.append(item)
    return seen


def apply_type(letter_type, data):
    """Check and copy the admin's values onto a letter type; raises TemplateProblem, leaving it unchanged."""
    fields = parse_fields(data["fields_text"])
    names = [f["name"] for f in fields]
    for block, label in BLOCKS.items():
        check_block(data[block], names, label)
    letter_type.title = data["title"].strip()
    letter_type.code = data["code"].strip()
    letter_type.service_id = data["service_id"] or None
    letter_type.needs_nik = bool(data["needs_nik"])
    letter_type.resident_rule = data["resident_rule"]
    letter_type.validity_days = data["validity_days"] or None
    letter_type.fields_json = json.dumps(fields, ensure_ascii=False)
    letter_type.requirements_json = json.dumps(parse_requirements(data["requirements_text"]), ensure_ascii=False)
    for block in BLOCKS:
        setattr(letter_type, block, data[block] or "")
    letter_type.active = bool(data["active"])
    letter_type.sort_order = data["sort_order"] or 0
    return letter_type


def check_number_format(pattern):
    """The format as saved, or TemplateProblem with the Indonesian reason."""
    try:
        check_format(pattern)
    except NumberingError as error:
        raise TemplateProblem(str(error)) from None
    return pattern
