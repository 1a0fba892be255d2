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
