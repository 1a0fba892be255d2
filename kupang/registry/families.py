"""Family (KK) rules: consistency warnings, moving a member to another KK, keeping the head in step."""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..timeutil import office_today
from . import codes
from .history import apply_changes
from .masking import mask_nik
from .models import Family, Resident, ResidentEvent
from .nik import check_kk

PARENT_SHDK = (codes.SHDK_HEAD, codes.SHDK_HUSBAND, codes.SHDK_WIFE)
MALE, FEMALE = 1, 2


class FamilyError(ValueError):
    """A family change that was refused; the message is Indonesian and shown to the clerk."""


class UnknownKK(FamilyError):
    """The target KK number is valid but not registered (the clerk may create a family with it)."""

    def __init__(self, kk_number):
        self.kk_number = kk_number
        super().__init__(f"Nomor KK {mask_nik(kk_number)} belum terdaftar di kelurahan ini.")


@dataclass
class FamilyWarning:
    """One consistency problem of a family, with the members it concerns."""

    code: str
    message: str
    resident_ids: list = field(default_factory=list)


def active_members(family_id):
    """The family's members that are not merged away, head first then by birth date."""
    stmt = (select(Resident)
            .where(Resident.family_id == family_id, Resident.merged_into_id.is_(None))
            .order_by(Resident.shdk.is_(None), Resident.shdk, Resident.birth_date, Resident.id))
    return db.session.scalars(stmt).all()


def is_counted(resident):
    """Whether a member counts for the family's consistency: living and not merged into another record."""
    return resident.life_status == "hidup" and resident.merged_into_id is None


def family_warnings(members):
    """Consistency warnings for a family's members: head count, spouse sex, children older than parents."""
    living = [m for m in members if is_counted(m)]
    warnings = head_warnings(living)
    for member in living:
        if member.shdk == codes.SHDK_HUSBAND and member.sex == FEMALE:
            warnings.append(FamilyWarning(
                "suami_perempuan", f"{member.name} tercatat sebagai Suami tetapi berjenis kelamin perempuan.",
                [member.id]))
        if member.shdk == codes.SHDK_WIFE and member.sex == MALE:
            warnings.append(FamilyWarning(
                "istri_laki", f"{member.name} tercatat sebagai Istri tetapi berjenis kelamin laki-laki.",
                [member.id]))
    warnings.extend(age_warnings(living))
    return warnings


def head_warnings(living):
    """No head, or more than one head, among the living members."""
    if not living:
        return []
    heads = [m for m in living if m.shdk == codes.SHDK_HEAD]
    if not heads:
        return [FamilyWarning("tanpa_kepala", "Keluarga ini belum memiliki kepala keluarga.")]
    if len(heads) > 1:
        names = ", ".join(m.name for m in heads)
        return [FamilyWarning("kepala_ganda", f"Keluarga ini memiliki {len(heads)} kepala keluarga: {names}.",
                              [m.id for m in heads])]
    return []


def age_warnings(living):
    """A child (SHDK anak) born before one of the parents (kepala, suami, istri)."""
    parents = [m for m in living if m.shdk in PARENT_SHDK and m.birth_date]
    warnings = []
    for child in living:
        if child.shdk != codes.SHDK_CHILD or not child.birth_date:
            continue
        for parent in parents:
            if child.birth_date < parent.birth_date:
                role = codes.SHDK[parent.shdk]
                warnings.append(FamilyWarning(
                    "anak_lebih_tua",
                    f"{child.name} (Anak) lebih tua daripada {parent.name} ({role}).",
                    [child.id, parent.id]))
    return warnings


def clean_kk(text):
    """A typed KK number as 16 digits (the registry's KK rules); raises FamilyError with the rule's message."""
    if not (text or "").strip():
        raise FamilyError("Nomor KK tujuan wajib diisi.")
    check = check_kk(text)
    if check.errors:
        raise FamilyError(check.errors[0])
    return check.value


def find_family_by_kk(kk_number):
    """The family with this KK number, or None."""
    return db.session.scalar(select(Family).where(Family.kk_number == kk_number))


def target_family(kk_text, create=False, template=None):
    """The family to move into: an existing KK, or a new one when asked (address copied from `template`)."""
    kk_number = clean_kk(kk_text)
    family = find_family_by_kk(kk_number)
    if family is not None:
        return family
    if not create:
        raise UnknownKK(kk_number)
    family = Family(kk_number=kk_number, address=getattr(template, "address", ""),
                    rt=getattr(template, "rt", ""), rw=getattr(template, "rw", ""),
                    kelurahan_code=getattr(template, "kelurahan_code", None)
                    or current_app.config["KELURAHAN_CODE"])
    db.session.add(family)
    db.session.flush()
    return family


def move_member(resident, target, shdk=None, user=None, expected_version=None):
    """Move a resident to another KK, keeping the history: change rows (source family) and a pindah_kk event."""
    check_movable(resident, target, expected_version)
    source = resident.family
    values = {"family_id": target.id}
    if shdk is not None:
        values["shdk"] = shdk
    # The resident's address follows the KK they now belong to.
    for name in ("address", "rt", "rw"):
        if getattr(target, name):
            values[name] = getattr(target, name)
    apply_changes(resident, values, user=user, source="family")
    resident.family = target
    old_kk = mask_nik(source.kk_number) if source else "-"
    db.session.add(ResidentEvent(
        resident_id=resident.id, kind="pindah_kk", event_date=office_today(),
        note=f"Pindah dari KK {old_kk} ke KK {mask_nik(target.kk_number)}.",
        created_by_id=getattr(user, "id", None)))
    db.session.flush()
    for family in (source, target):
        if family is not None:
            sync_family_head(family)
    return resident


def check_movable(resident, target, expected_version):
    """Refuse moves that make no sense or that are based on an outdated page."""
    if resident.merged_into_id is not None:
        raise FamilyError("Data penduduk ini sudah digabungkan ke data lain dan tidak dapat dipindahkan.")
    if expected_version is not None and resident.version != expected_version:
        raise FamilyError(f"Data {resident.name} telah diubah oleh petugas lain sejak halaman dibuka. "
                          "Periksa kembali lalu ulangi.")
    if resident.family_id == target.id:
        raise FamilyError(f"{resident.name} sudah menjadi anggota KK {mask_nik(target.kk_number)}.")


def change_head(family, new_head, old_head_shdk=None, user=None):
    """Make a member the head of the family; a living former head gets the relationship the clerk chose."""
    if new_head.family_id != family.id or not is_counted(new_head):
        raise FamilyError("Kepala keluarga baru harus anggota keluarga ini yang masih hidup.")
    others = [m for m in active_members(family.id)
              if m.id != new_head.id and is_counted(m) and m.shdk == codes.SHDK_HEAD]
    if others and old_head_shdk in (None, codes.SHDK_HEAD):
        raise FamilyError("Pilih hubungan baru dalam keluarga untuk kepala keluarga yang lama.")
    for old in others:
        apply_changes(old, {"shdk": old_head_shdk}, user=user, source="family")
    apply_changes(new_head, {"shdk": codes.SHDK_HEAD}, user=user, source="family")
    db.session.flush()
    sync_family_head(family)
    return new_head


def sync_family_head(family):
    """Point family.head_id at its living head: kept when still valid, else the eldest, None when there is none.

    A family without an address takes its head's (a member without one may have opened the KK).
    """
    heads = [m for m in active_members(family.id) if is_counted(m) and m.shdk == codes.SHDK_HEAD]
    if not any(m.id == family.head_id for m in heads):
        family.head_id = heads[0].id if heads else None
    head = next((m for m in heads if m.id == family.head_id), None)
    if head is not None and not family.address:
        follow_head_address(family, head)
    return family.head_id


def follow_head_address(family, head):
    """The KK's address, RT and RW become the head's (the parts the head has)."""
    for name in ("address", "rt", "rw"):
        if getattr(head, name):
            setattr(family, name, getattr(head, name))


def shown_address(family, heads):
    """(address to show, True when it is the head's because the KK has none recorded)."""
    if family.address or not heads or not heads[0].address:
        return family.address, False
    return heads[0].address, True
