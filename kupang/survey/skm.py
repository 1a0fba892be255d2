"""The SKM index as PermenPANRB 14/2017 computes it, and its minimum sample.

- NRR (nilai rata-rata) of an element: the sum of its answers (1-4) over the respondents who answered it.
- Weight of each element: 1 / number of elements = 1/9 (the regulation writes it 0,11; the exact ninth is
  used so that all answers "4" give 4,00 and 100,00, as the regulation's bands require).
- SKM = sum of NRR x weight (1,00-4,00); the converted index (nilai konversi) = SKM x 25 (25,00-100,00).
- Quality band (mutu pelayanan) by the converted value: 25,00-64,99 D tidak baik; 65,00-76,60 C kurang
  baik; 76,61-88,30 B baik; 88,31-100,00 A sangat baik. An element's NRR is graded the same way (x 25).
- Minimum sample: the Krejcie and Morgan table the regulation prints, i.e. s = X2 N P(1-P) /
  (d2 (N-1) + X2 P(1-P)) with X2 = 3,841, P = 0,5, d = 0,05, rounded.
"""
from dataclasses import dataclass

from .elements import ELEMENTS

CONVERSION = 25
BANDS = (  # (lowest converted value, letter, performance) highest first
    (88.31, "A", "Sangat baik"),
    (76.61, "B", "Baik"),
    (65.00, "C", "Kurang baik"),
    (25.00, "D", "Tidak baik"),
)
CHI_SQUARE = 3.841
PROPORTION = 0.5
MARGIN = 0.05


@dataclass(frozen=True)
class Grade:
    """A converted value's band: letter (A-D) and the regulation's wording."""

    letter: str
    label: str


def grade(converted):
    """The band of a converted value (25-100), or None for no value."""
    if converted is None:
        return None
    value = round(converted, 2)
    for lowest, letter, label in BANDS:
        if value >= lowest:
            return Grade(letter, label)
    return Grade("D", "Tidak baik")


@dataclass
class ElementResult:
    """One element's answers: how many answered, their sum, NRR, NRR x weight and its band."""

    element: object
    answered: int
    total: int

    @property
    def nrr(self):
        """The average answer (1-4), or None when nobody answered."""
        return self.total / self.answered if self.answered else None

    @property
    def weighted(self):
        """NRR x 1/9 (the regulation's nilai rata-rata tertimbang)."""
        return None if self.nrr is None else self.nrr / len(ELEMENTS)

    @property
    def grade(self):
        """The element's band, from its NRR x 25."""
        return grade(None if self.nrr is None else self.nrr * CONVERSION)


@dataclass
class SkmResult:
    """The survey's result over a set of responses."""

    respondents: int
    elements: list

    @property
    def index(self):
        """SKM (1-4): the sum of the weighted NRRs; None unless every element has answers."""
        if not self.respondents or any(e.nrr is None for e in self.elements):
            return None
        return sum(e.nrr for e in self.elements) / len(self.elements)  # = the sum of NRR x 1/9

    @property
    def converted(self):
        """The index x 25 (25-100), the figure reported as 'nilai SKM'."""
        return None if self.index is None else self.index * CONVERSION

    @property
    def grade(self):
        """The unit's band (A-D)."""
        return grade(self.converted)


def compute(rows):
    """SkmResult from rows of nine answers each (1-4, None for unanswered), in element order."""
    answered = [0] * len(ELEMENTS)
    totals = [0] * len(ELEMENTS)
    respondents = 0
    for row in rows:
        respondents += 1
        for position, value in enumerate(row):
            if value in (1, 2, 3, 4):
                answered[position] += 1
                totals[position] += value
    return SkmResult(respondents, [ElementResult(e, answered[i], totals[i]) for i, e in enumerate(ELEMENTS)])


def from_sums(respondents, answered, totals):
    """SkmResult from per-element counts and sums (what one SQL aggregate returns)."""
    return SkmResult(respondents, [ElementResult(e, answered[i] or 0, totals[i] or 0)
                                   for i, e in enumerate(ELEMENTS)])


def minimum_sample(population):
    """The regulation's minimum number of respondents for a population of service users (Krejcie-Morgan)."""
    if population <= 0:
        return 0
    p = PROPORTION * (1 - PROPORTION)
    size = CHI_SQUARE * population * p / (MARGIN ** 2 * (population - 1) + CHI_SQUARE * p)
    return min(population, int(size + 0.5))
