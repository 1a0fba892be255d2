"""Spoken queue announcements: the Indonesian sentence and the recorded clip words that say it."""
import re
import string

# How each ticket letter is spelled aloud in Indonesian (what the clip "huruf-x" says).
LETTER_NAMES = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}
LEAD_WORDS = ("nomor", "antrian")
TAIL_WORDS = ("silakan", "ke", "loket")
MAX_TICKET_NUMBER = 999
MAX_COUNTER_NUMBER = 99
LETTER_PREFIX = "huruf-"

_CODE = re.compile(r"^\s*([A-Za-z])\s*-?\s*([0-9]{1,4})\s*$")


def parse_code(ticket_code):
    """Split a ticket code such as "A-012" into ("A", 12); ValueError with an Indonesian message if invalid."""
    match = _CODE.match(str(ticket_code or ""))
    number = int(match.group(2)) if match else 0
    if not match or not 1 <= number <= MAX_TICKET_NUMBER:
        raise ValueError(f"Nomor antrian tidak valid: {ticket_code!r} (contoh yang benar: A-012).")
    return match.group(1).upper(), number


def _counter(counter_number):
    if isinstance(counter_number, int) and not isinstance(counter_number, bool):
        number = counter_number
    elif isinstance(counter_number, str) and re.fullmatch(r"\s*[0-9]{1,2}\s*", counter_number):
        number = int(counter_number)
    else:
        number = 0
    if not 1 <= number <= MAX_COUNTER_NUMBER:
        raise ValueError(f"Nomor loket tidak valid: {counter_number!r} (harus 1 sampai {MAX_COUNTER_NUMBER}).")
    return number


def number_words(number):
    """The words of a number as spoken in Indonesian, e.g. 112 -> ["seratus", "dua", "belas"]."""
    from lokal import terbilang  # lazy: importing lokal costs ~0.4 s and ~4 MB per process

    return terbilang(number).split()


def letter_clip(letter):
    """The clip name that spells a ticket letter aloud, e.g. "A" -> "huruf-a"."""
    return LETTER_PREFIX + letter.lower()


def announcement(ticket_code, counter_number):
    """The key, Indonesian sentence and clip words that announce a ticket called to a counter."""
    from lokal import terbilang  # lazy: importing lokal costs ~0.4 s and ~4 MB per process

    letter, number = parse_code(ticket_code)
    counter = _counter(counter_number)
    spoken_number = terbilang(number)
    spoken_counter = terbilang(counter)
    text = f"Nomor antrian {letter} {spoken_number}, silakan ke loket {spoken_counter}"
    words = [*LEAD_WORDS, letter_clip(letter), *spoken_number.split(), *TAIL_WORDS, *spoken_counter.split()]
    return {"key": f"{letter}-{number:03d}@{counter}", "text": text, "words": words}


def clip_text(word):
    """What espeak-ng should say for a clip name (a letter clip says the letter's Indonesian name)."""
    if word.startswith(LETTER_PREFIX):
        return LETTER_NAMES[word[len(LETTER_PREFIX):].upper()]
    return word


def all_clip_words():
    """Every clip name an announcement can use, sorted: letters A-Z, numbers 1-999, counters 1-99, phrases."""
    words = {*LEAD_WORDS, *TAIL_WORDS}
    words.update(letter_clip(letter) for letter in string.ascii_uppercase)
    for number in range(1, max(MAX_TICKET_NUMBER, MAX_COUNTER_NUMBER) + 1):
        words.update(number_words(number))
    return sorted(words)
