"""Masking of NIK and KK numbers: shown masked by default everywhere (UU PDP)."""

MASK = "******"


def mask_nik(number):
    """'5371051203900001' -> '537105******0001': region kept, birth date and most of the serial hidden.

    Works for KK numbers too. Anything that is not 16 digits is masked whole but for the last 4.
    """
    if not number:
        return ""
    text = str(number)
    if len(text) == 16 and text.isdigit():
        return text[:6] + MASK + text[12:]
    return "*" * max(len(text) - 4, 0) + text[-4:]


def unmask_number(posted, stored):
    """The number a form means: the stored one when the field still holds its masked form, else what was typed.

    Forms show NIK and KK masked; a clerk who leaves the field as it is keeps the stored number.
    """
    text = "".join((posted or "").split())
    if stored and text == mask_nik(stored):
        return stored
    return posted


def masked_if_stored(posted, stored):
    """What a re-rendered form shows: the stored number masked again, anything else as typed."""
    from .nik import normalise_number

    if stored and normalise_number(posted or "") == stored:
        return mask_nik(stored)
    return posted
