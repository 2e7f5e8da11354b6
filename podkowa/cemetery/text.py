"""Turning names into search keys, the same way for the index and for a query.

Plain Python on purpose: the database only compares the keys for equality or a prefix range,
which SpatiaLite and PostGIS answer identically (unlike unaccent, collations or pg_trgm).
"""

import re
import unicodedata

# Unicode decomposition does not strip these (ł is a letter of its own, not l + a mark).
# Also sent to the PWA with the offline pack (selectors/offline.py): its search folds what is
# typed by the same table.
LETTER_FOLDS = {"ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d"}
_EXPLICIT = str.maketrans(LETTER_FOLDS)
_NOT_LETTER = re.compile(r"[^a-z]+")
# Adjectival surnames agree with the person's sex: Kowalski / Kowalska, Zawadzki / Zawadzka,
# Nowicki / Nowicka. Both are indexed and searched as the masculine form: the ending's stem
# (group 1) + "i". Also sent with the offline pack, for the PWA's search (JavaScript reads
# the same pattern).
FEMININE_ENDING = r"(sk|ck|dzk|zk)a$"
_FEMININE = re.compile(FEMININE_ENDING)
MAX_WORD = 40


def fold(text: str) -> str:
    """Lower case ASCII letters only: 'Żółć' → 'zolc', 'Łukasiewicz' → 'lukasiewicz'."""
    text = text.translate(_EXPLICIT).lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The search keys of a name ('Kowalska-Nowak' → ['kowalski', 'nowak'])."""
    result = []
    for part in _NOT_LETTER.split(fold(text)):
        if not part:
            continue
        part = _FEMININE.sub(lambda m: m.group(1) + "i", part[:MAX_WORD])
        result.append(part)
    return result


def deletions(word: str) -> set[str]:
    """The word and every form of it with one letter left out."""
    variants = {word}
    if len(word) >= 3:
        variants.update(word[:i] + word[i + 1:] for i in range(len(word)))
    return variants


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at `limit`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], limit)
