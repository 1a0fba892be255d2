"""The objects audit rows name, as people name them: residents by name and masked NIK, users by name ...

Rows are resolved a page at a time: one query per object kind, never one per row. Internal ids are never
shown; an object that no longer exists is described by its kind only.
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..queue.models import Counter, Device, Service, Ticket
from ..registry.import_models import ImportJob
from ..registry.masking import mask_nik
from ..registry.models import Family, Resident
from ..security import ROLES

KIND_LABELS = {"resident": "Penduduk", "user": "Pengguna", "family": "Keluarga (KK)", "service": "Layanan",
               "counter": "Loket", "device": "Perangkat", "import_job": "Impor", "ticket": "Nomor antrian",
               "setting": "Pengaturan", "letter": "Surat", "survey": "Survei"}
SETTING_LABELS = {"require_2fa": "Wajib verifikasi dua langkah", "running_text": "Teks berjalan layar TV",
                  "ticket_width_mm": "Lebar kertas tiket"}
DEVICE_LABELS = {"kiosk": "kiosk", "display": "layar TV", "survey": "tablet survei"}


@dataclass(frozen=True)
class Named:
    """An object as shown: its kind, its name, and a secondary line (masked NIK, role ...)."""

    kind: str
    name: str
    extra: str = ""

    def text(self):
        """'Penduduk: Yohanes Bria (NIK 537105******0001)'."""
        return f"{self.kind}: {self.name}" + (f" ({self.extra})" if self.extra else "")


def resident_named(resident):
    """A resident by name and masked NIK."""
    return Named("Penduduk", resident.name, f"NIK {mask_nik(resident.nik)}" if resident.nik else "belum ada NIK")


def _ints(values):
    out = set()
    for value in values:
        text = str(value or "")
        if text.isdigit() and len(text) <= 18:
            out.add(int(text))
    return out


def _load(model, ids):
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


class Resolver:
    """Names for every object and every resident mentioned in a batch of audit rows."""

    def __init__(self, rows):
        wanted = defaultdict(set)
        for row in rows:
            if row.object_type and row.object_id:
                wanted[row.object_type].add(row.object_id)
            detail = row.detail_data
            for key in ("resident_id", "merged_id"):
                if detail.get(key) is not None:
                    wanted["resident"].add(str(detail[key]))
        self.residents = _load(Resident, _ints(wanted["resident"]))
        self.users = _load(User, _ints(wanted["user"]))
        self.families = _load(Family, _ints(wanted["family"]))
        heads = _load(Resident, {f.head_id for f in self.families.values() if f.head_id})
        self.heads = {f.id: heads.get(f.head_id) for f in self.families.values()}
        self.services = _load(Service, _ints(wanted["service"]))
        self.counters = _load(Counter, _ints(wanted["counter"]))
        self.devices = _load(Device, _ints(wanted["device"]))
        self.imports = _load(ImportJob, _ints(wanted["import_job"]))
        self.tickets = _load(Ticket, _ints(wanted["ticket"]))

    def resident(self, ident):
        """A resident mentioned by id (in an object or a detail), or None."""
        found = self.residents.get(int(ident)) if str(ident).isdigit() and len(str(ident)) <= 18 else None
        return resident_named(found) if found else None

    def named(self, row):
        """The row's object as Named, or None when the row names no object."""
        kind, ident = row.object_type, row.object_id
        if not kind:
            return None
        label = KIND_LABELS.get(kind, "Objek")
        if not ident:
            return Named(label, "beberapa data" if kind == "resident" else "—")
        key = int(ident) if ident.isdigit() and len(ident) <= 18 else None
        if kind == "resident":
            return self.resident(ident) or Named(label, "data tidak ditemukan")
        if kind == "setting":
            return Named(label, SETTING_LABELS.get(ident, "pengaturan lain"))
        return self._by_kind(kind, label, key)

    def _by_kind(self, kind, label, key):
        if kind == "user" and key in self.users:
            user = self.users[key]
            return Named(label, user.display_name, f"{user.username}, {ROLES.get(user.role, user.role)}")
        if kind == "family" and key in self.families:
            family, head = self.families[key], self.heads.get(key)
            return Named(label, f"KK {mask_nik(family.kk_number)}", f"kepala keluarga {head.name}" if head else "")
        if kind == "service" and key in self.services:
            service = self.services[key]
            return Named(label, f"{service.prefix} · {service.name}")
        if kind == "counter" and key in self.counters:
            counter = self.counters[key]
            return Named(label, f"Loket {counter.number}", counter.name)
        if kind == "device" and key in self.devices:
            device = self.devices[key]
            return Named(label, device.name, DEVICE_LABELS.get(device.kind, device.kind))
        if kind == "import_job" and key in self.imports:
            job = self.imports[key]
            return Named(label, f"berkas {job.file_name}")
        if kind == "ticket" and key in self.tickets:
            ticket = self.tickets[key]
            return Named(label, ticket.code, f"{ticket.day.day}/{ticket.day.month}/{ticket.day.year}")
        return Named(label, "data tidak ditemukan")
