"""Finding a person among the burials: tolerant of dropped diacritics, one-letter typos,
gendered surname forms, swapped name order, maiden names and approximate years.

The database does only what SpatiaLite and PostGIS answer identically — equality and prefix
ranges on keys we computed ourselves (podkowa/cemetery/text.py) — and Python ranks the
candidates, so both databases give the same results in the same order.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from podkowa.cemetery import text
from podkowa.cemetery.models import Burial, BurialSearchWord, Cemetery, SearchVariant
from podkowa.cemetery.selectors.privacy import hidden_by
from podkowa.core.models import Gmina

_YEAR = re.compile(r"\b(1[5-9]\d\d|2[01]\d\d)\b")
MAX_TOKENS = 6
MAX_PREFIX_WORDS = 200
MAX_CANDIDATES = 400
DEFAULT_TOLERANCE = 1
# How much a query word is worth against a name word by how they differ.
EXACT, ONE_EDIT, PREFIX, TWO_EDITS = 1.0, 0.8, 0.7, 0.4
# The surname is what people search by first: a tie is broken in its favour.
FIELD_WEIGHT = {"surname": 1.0, "family_name": 0.95, "given_names": 0.9}


@dataclass(frozen=True)
class Query:
    words: list[str]
    years: list[int]
    born: int | None = None
    died: int | None = None
    tolerance: int = DEFAULT_TOLERANCE
    quarter: str = ""

    @property
    def empty(self) -> bool:
        return not (self.words or self.years or self.born or self.died or self.quarter)


@dataclass(frozen=True)
class Hit:
    burial: Burial
    score: float


def query_parse(q: str, *, born: int | None = None, died: int | None = None,
                tolerance: int | None = None, quarter: str = "") -> Query:
    q = q or ""
    years = [int(y) for y in _YEAR.findall(q)]
    names = _YEAR.sub(" ", q)
    words = [w for w in text.words(names) if len(w) >= 2][:MAX_TOKENS]
    return Query(words=words, years=years[:2], born=born, died=died,
                 tolerance=DEFAULT_TOLERANCE if tolerance is None else max(0, min(tolerance, 10)),
                 quarter=(quarter or "").strip())


def _word_matches(gmina: Gmina, token: str, *, typing: bool) -> dict[str, float]:
    """Index words this query word may mean, with how well each fits."""
    found: dict[str, float] = {}
    variants = text.deletions(token)
    for word in (SearchVariant.objects.filter(gmina=gmina, variant__in=variants)
                 .values_list("word", flat=True).distinct()):
        distance = text.edit_distance(token, word)
        score = EXACT if distance == 0 else ONE_EDIT if distance == 1 else (
            TWO_EDITS if distance == 2 and len(token) >= 6 else 0.0)
        if score:
            found[word] = max(found.get(word, 0.0), score)
    if typing and len(token) >= 3:
        # As-you-type: the last word's last letters are not there yet. (A LIKE prefix, not a
        # range: a range depends on the database's collation, LIKE on lower-case ASCII does
        # not.)
        prefixed = (SearchVariant.objects.filter(
            gmina=gmina, is_word=True, variant__startswith=token)
            .order_by("variant").values_list("word", flat=True)[:MAX_PREFIX_WORDS])
        for word in prefixed:
            if word != token:
                found[word] = max(found.get(word, 0.0), PREFIX)
    return found


def _token_score(token_matches: dict[str, float], fields: dict[str, list[str]]) -> float:
    best = 0.0
    for field, words in fields.items():
        for word in words:
            score = token_matches.get(word, 0.0) * FIELD_WEIGHT[field]
            best = max(best, score)
    return best


def _year_fit(year: int | None, wanted: int, tolerance: int) -> float:
    if year is None:
        return 0.0
    gap = abs(year - wanted)
    if gap > tolerance:
        return 0.0
    return 1.0 - 0.1 * gap


def burial_search(*, gmina: Gmina, query: Query, cemetery: Cemetery | None = None,
                  limit: int = 10) -> list[Hit]:
    """The burials that best fit the query, best first (ties: surname, given names, id)."""
    if query.empty:
        return []
    base = Burial.objects.filter(gmina=gmina)
    if cemetery is not None:
        base = base.filter(grave__cemetery=cemetery)
    if query.quarter:
        base = base.filter(grave__quarter__code__iexact=query.quarter)
    matches = [_word_matches(gmina, token, typing=(i == len(query.words) - 1))
               for i, token in enumerate(query.words)]
    if query.words:
        all_words = set().union(*matches)
        if not all_words:
            return []
        coverage: dict[int, dict[int, float]] = defaultdict(dict)
        index = BurialSearchWord.objects.filter(gmina=gmina)
        if cemetery is not None:
            index = index.filter(cemetery_id_copy=cemetery.pk)
        found = index.filter(word__in=all_words)
        if len(matches) > 1:
            # The person sought matches every word typed (each within a typo), so the rarest
            # word alone bounds the candidates: "Jan Kowalski" reads the few Kowalskis, not
            # every Jan. When nobody matches it (a word beyond a typo), all words are used.
            sizes = sorted((index.filter(word__in=m).count(), i) for i, m in enumerate(matches))
            rarest = matches[sizes[0][1]]
            if sizes[0][0]:
                found = found.filter(burial_id__in=index.filter(word__in=rarest)
                                     .values("burial_id"))
        for burial_id, word in found.values_list("burial_id", "word"):
            seen = coverage[burial_id]
            for position, token_matches in enumerate(matches):
                score = token_matches.get(word)
                if score and score > seen.get(position, 0.0):
                    seen[position] = score
        ranked_ids = sorted(coverage, key=lambda b: (-sum(coverage[b].values()), b))
        rows = base.filter(pk__in=ranked_ids[:MAX_CANDIDATES])
    else:
        years = [y for y in (query.born, query.died, *query.years) if y]
        window = Q()
        for year in years:
            span = (year - query.tolerance, year + query.tolerance)
            window |= Q(birth_year__range=span) | Q(death_year__range=span)
        rows = base.filter(window).order_by("surname", "given_names", "id")[:MAX_CANDIDATES]
    # Ranked on plain values; only the winners become model instances.
    today = timezone.localdate()
    scored = []
    for (pk, key, surname, given, birth_year, death_year, death_date, burial_date, allows,
         years_hidden) in rows.values_list(
            "pk", "search_key", "surname", "given_names", "birth_year", "death_year",
            "death_date", "burial_date", "grave__holder_allows_details",
            "grave__cemetery__recent_death_privacy_years"):
        if hidden_by(holder_allows=allows, years=years_hidden, death_date=death_date,
                     death_year=death_year, burial_date=burial_date, today=today):
            birth_year = death_year = None
        if query.born and not _year_fit(birth_year, query.born, query.tolerance):
            continue
        if query.died and not _year_fit(death_year, query.died, query.tolerance):
            continue
        if query.words:
            parts = [*key.split("|"), "", "", ""][:3]
            fields = {"surname": parts[0].split(), "given_names": parts[1].split(),
                      "family_name": parts[2].split()}
            score = sum(_token_score(m, fields) for m in matches) / len(matches)
            if score <= 0:
                continue
        else:
            score = 1.0
        for year in query.years:
            fit = max(_year_fit(birth_year, year, query.tolerance),
                      _year_fit(death_year, year, query.tolerance))
            # A year that fits no date of this person makes them a worse answer, not none:
            # the asker may remember it wrong.
            score *= 1.0 + 0.25 * fit if fit else 0.6
        scored.append((-round(score, 6), surname, given, pk))
    scored.sort()
    top = scored[:limit]
    burials = Burial.objects.filter(gmina=gmina, pk__in=[pk for *_rest, pk in top]) \
        .select_related("grave__quarter", "grave__row", "grave__cemetery") \
        .defer("grave__location", "grave__outline", "grave__quarter__area",
               "grave__cemetery__location")
    by_pk = {b.pk: b for b in burials}
    return [Hit(by_pk[pk], -negative) for negative, _s, _g, pk in top]
