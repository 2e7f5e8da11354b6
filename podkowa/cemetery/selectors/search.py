"""Finding a person among the burials: tolerant of dropped diacritics, one-letter typos,
gendered surname forms, swapped name order, maiden names and approximate years.

Matching and ranking run in Python over a per-process index of the town's burials (their
names as search keys from podkowa/cemetery/text.py, their dates and places), so SpatiaLite
and PostGIS give the same results in the same order, and a search costs one small query (is
the index still current?) instead of a round of queries per typed word. The index is rebuilt
when any cemetery of the town has a new SearchStamp: every service that changes what the
search reads sets one in the same transaction (podkowa/cemetery/services/books.py), and the
cemeteries' names and privacy periods are part of the check itself.
"""

import bisect
import functools
import gc
import itertools
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from podkowa.cemetery import text
from podkowa.cemetery.models import Burial, Cemetery, SearchStamp, SearchVariant
from podkowa.cemetery.selectors.privacy import hidden_until
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
_WEIGHTS = (FIELD_WEIGHT["surname"], FIELD_WEIGHT["given_names"], FIELD_WEIGHT["family_name"])


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


class FoundBurial(NamedTuple):
    """What a search result shows of a burial; `hidden`: the recently deceased's dates are
    withheld (selectors/privacy.py). Named tuples, not frozen dataclasses: as immutable, and
    built several times faster, which counts on the busiest endpoint."""

    pk: int
    record_number: str
    surname: str
    given_names: str
    family_name: str
    birth_date: date | None
    birth_year: int | None
    death_date: date | None
    death_year: int | None
    grave_id: int
    cemetery: str
    quarter: str
    row: str
    number: str
    hidden: bool


class Hit(NamedTuple):
    burial: FoundBurial
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


# --- the index ----------------------------------------------------------------------------

# A burial in the index, a plain tuple (200,000 of them must stay small): these positions.
# _HIDDEN_UNTIL: the first day its details are public (selectors/privacy.py); _NAMES: its
# name words with their field weights, ((word, weight), …).
(_PK, _RECORD, _SURNAME, _GIVEN, _FAMILY, _BIRTH_DATE, _BIRTH_YEAR, _DEATH_DATE, _DEATH_YEAR,
 _HIDDEN_UNTIL, _GRAVE, _NUMBER, _QUARTER, _ROW, _CEMETERY, _NAMES) = range(16)
_COLUMNS = ("pk", "record_number", "surname", "given_names", "family_name", "birth_date",
            "birth_year", "death_date", "death_year", "burial_date", "grave_id",
            "grave__number", "grave__quarter__code", "grave__row__code", "grave__cemetery_id",
            "grave__holder_allows_details", "search_key")


class _Index:
    def __init__(self, gmina: Gmina, stamp: tuple):
        self.stamp = stamp
        # cemetery id → (name, years the recently deceased's details are hidden)
        self.cemeteries = {pk: (name, years) for pk, _stamp, name, years in stamp}
        self.words = sorted(SearchVariant.objects.filter(gmina=gmina, is_word=True)
                            .values_list("word", flat=True))
        variants: dict[str, list[str]] = defaultdict(list)
        for word in self.words:  # the same variants books._index writes for each word
            for variant in text.deletions(word):
                variants[variant].append(word)
        self.variants = dict(variants)
        self.rows: dict[int, tuple] = {}
        postings: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        by_year: dict[int, list[int]] = defaultdict(list)
        # Names, dates and places repeat: each distinct value is kept once.
        same: dict = {}
        for (pk, record, surname, given, family, birth_date, birth_year, death_date,
             death_year, burial_date, grave, number, quarter, row_code, cemetery, allows,
             key) in (Burial.objects.filter(gmina=gmina).values_list(*_COLUMNS)
                      .iterator(chunk_size=5000)):
            if cemetery not in self.cemeteries:  # newer than the stamp: the next build
                continue
            parts = [*key.split("|"), "", "", ""][:3]
            names = tuple((same.setdefault(w, w), weight)
                          for part, weight in zip(parts, _WEIGHTS, strict=True)
                          for w in part.split())
            until = hidden_until(holder_allows=allows, years=self.cemeteries[cemetery][1],
                                 death_date=death_date, death_year=death_year,
                                 burial_date=burial_date)
            self.rows[pk] = (pk, record, *(same.setdefault(v, v) for v in (
                surname, given, family, birth_date, birth_year, death_date, death_year,
                until)), grave, *(same.setdefault(v, v) for v in (
                    number, quarter, row_code, cemetery, names)))
            for word in {w for w, _weight in names}:
                postings[cemetery][word].append(pk)
            for year in {birth_year, death_year} - {None}:
                by_year[year].append(pk)
        # Sets, not tuples: a search intersects a word's burials with its few candidates, and
        # an intersection walks the smaller side, where a tuple would first be copied whole.
        self.postings = {cemetery: {w: frozenset(ids) for w, ids in words.items()}
                         for cemetery, words in postings.items()}
        # Year → the burials born or dead that year (hidden dates included: a superset).
        self.by_year = {year: frozenset(ids) for year, ids in by_year.items()}
        if len(self.postings) == 1:
            self.everywhere = next(iter(self.postings.values()))
        else:
            merged: dict[str, list[int]] = defaultdict(list)
            for words in self.postings.values():
                for word, ids in words.items():
                    merged[word].extend(ids)
            self.everywhere = {w: frozenset(ids) for w, ids in merged.items()}

    def word_matches(self, token: str, *, typing: bool) -> dict[str, float]:
        """Index words this query word may mean, with how well each fits."""
        found: dict[str, float] = {}
        variants = self.variants
        near = {w for v in text.deletions(token) for w in variants.get(v, ())}
        for word in near:
            distance = text.edit_distance(token, word)
            score = EXACT if distance == 0 else ONE_EDIT if distance == 1 else (
                TWO_EDITS if distance == 2 and len(token) >= 6 else 0.0)
            if score:
                found[word] = score
        if typing and len(token) >= 3:
            # As-you-type: the last word's last letters are not there yet.
            words = self.words
            start = bisect.bisect_left(words, token)
            for word in words[start:start + MAX_PREFIX_WORDS]:
                if not word.startswith(token):
                    break
                if word != token:
                    found[word] = max(found.get(word, 0.0), PREFIX)
        return found


_INDEXES: dict[int, _Index] = {}
_BUILD_LOCK = threading.Lock()


_STAMP_SQL = (
    f"SELECT c.id, s.stamp, c.name, c.recent_death_privacy_years "  # noqa: S608
    f"FROM {Cemetery._meta.db_table} c LEFT JOIN {SearchStamp._meta.db_table} s "
    f"ON s.cemetery_id = c.id WHERE c.gmina_id = %s ORDER BY c.id")


def _stamp(gmina: Gmina) -> tuple:
    # Every search asks this: plain SQL, as the ORM would spend more building the query than
    # the database answering it.
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL, [gmina.pk])
        return tuple(tuple(row) for row in cursor.fetchall())


def _index(gmina: Gmina) -> _Index:
    """The town's index, rebuilt first when a write since made it old. The stamp is read
    before the rows, so an index is never newer-labelled than what it holds."""
    stamp = _stamp(gmina)
    found = _INDEXES.get(gmina.pk)
    if found is not None and found.stamp == stamp:
        return found
    with _BUILD_LOCK:
        found = _INDEXES.get(gmina.pk)
        if found is None or found.stamp != stamp:
            found = _INDEXES[gmina.pk] = _Index(gmina, stamp)
            # The index is millions of small objects without cycles: left to the cyclic
            # garbage collector, every full collection would walk them all (tens of
            # milliseconds, in the middle of some search). Reference counting still frees
            # them when the index is replaced.
            gc.freeze()
    return found


def index_clear() -> None:
    with _BUILD_LOCK:
        _INDEXES.clear()


# --- ranking ------------------------------------------------------------------------------


_NOTHING: frozenset[int] = frozenset()
# A year that fits no date of the person makes them a worse answer, not none: the asker may
# remember it wrong.
_WRONG_YEAR = (0.6,)


def _union(sets: list[frozenset[int]]) -> frozenset[int] | set[int]:
    """One set shared as it is (the common case: a query word means one index word)."""
    sets = [ids for ids in sets if ids]
    if len(sets) == 1:
        return sets[0]
    return set().union(*sets)


class _Levels:
    """One query word's candidates by how well their best name word fits it, best fit
    first: disjoint sets, worked out only as far as the search gets."""

    def __init__(self, matches: dict[str, float], postings: dict[str, frozenset[int]],
                 candidates: frozenset[int] | set[int], *, bounding: bool = False):
        by_score: dict[float, list[str]] = defaultdict(list)
        for word, score in matches.items():
            by_score[score].append(word)
        self.scores = sorted(by_score, reverse=True)
        self._words = [by_score[score] for score in self.scores]
        self._postings, self._candidates = postings, candidates
        self._sets: list[set[int] | frozenset[int]] = []
        self._taken: set[int] = set()
        self._rest: set[int] | None = None
        if bounding:
            # The candidates were read by this word's matches: every one fits it somehow.
            self._rest = set()
            if len(self.scores) == 1:
                self._sets.append(candidates)

    def level(self, k: int) -> set[int]:
        """The candidates whose best fit is self.scores[k]."""
        candidates, postings = self._candidates, self._postings
        while len(self._sets) <= k:
            words = self._words[len(self._sets)]
            if len(words) == 1:
                ids = candidates & postings.get(words[0], _NOTHING)
            else:
                ids = set().union(*(candidates & postings.get(w, _NOTHING) for w in words))
            ids -= self._taken
            self._taken |= ids
            self._sets.append(ids)
        return self._sets[k]

    def rest(self) -> set[int]:
        """The candidates this query word does not fit at all."""
        if self._rest is None:
            for k in range(len(self.scores)):
                self.level(k)
            self._rest = self._candidates - self._taken
        return self._rest


def _candidates(matches: list[dict[str, float]], postings: dict[str, frozenset[int]]
                ) -> tuple[frozenset[int] | set[int],
                           Iterator[tuple[float, Callable[..., set[int]]]]]:
    """The burials that fit the query words, and the same in groups of equal fit, best
    first: (sum over query words of the best fit, the group's burial ids when asked, all or
    only those `within` a subset). Lazily: a search that has its answer after the first groups
    never works out the rest, nor even the group whose fit tells it to stop.

    The person sought matches every word typed (each within a typo), so the rarest word alone
    bounds the candidates: "Jan Kowalski" reads the few Kowalskis, not every Jan. When nobody
    matches it (a word beyond a typo), all words are used."""
    candidates = None
    bounding = 0 if len(matches) == 1 else None
    if len(matches) > 1:
        sizes = sorted((sum(len(postings.get(w, _NOTHING)) for w in m), i)
                       for i, m in enumerate(matches))
        if sizes[0][0]:
            bounding = sizes[0][1]
            candidates = _union([postings.get(w, _NOTHING) for w in matches[bounding]])
    if candidates is None:
        candidates = _union([postings.get(w, _NOTHING) for m in matches for w in m])
    levels = [_Levels(m, postings, candidates, bounding=i == bounding)
              for i, m in enumerate(matches)]
    # Every combination of one fit (or none) per query word, by the sum of the fits.
    by_total: dict[float, list[tuple]] = defaultdict(list)
    for combination in itertools.product(*(range(-1, len(lv.scores)) for lv in levels)):
        total = 0
        for lv, k in zip(levels, combination, strict=True):
            if k >= 0:
                total = total + lv.scores[k]
        by_total[total].append(combination)
    groups = ((total, functools.partial(_members, levels, by_total[total]))
              for total in sorted(by_total, reverse=True))
    return candidates, groups


def _members(levels: list[_Levels], combinations: list[tuple],
             within: set[int] | None = None) -> set[int]:
    members: set[int] = set()
    for combination in combinations:
        part = within  # a few candidates first: each intersection then walks only those
        for lv, k in zip(levels, combination, strict=True):
            ids = lv.level(k) if k >= 0 else lv.rest()
            part = ids if part is None else part & ids
            if not part:
                break
        if part:
            members |= part
    return members


def _found(row: tuple, index: _Index, hidden: bool) -> FoundBurial:
    return FoundBurial(
        pk=row[_PK], record_number=row[_RECORD], surname=row[_SURNAME], given_names=row[_GIVEN],
        family_name=row[_FAMILY], birth_date=row[_BIRTH_DATE], birth_year=row[_BIRTH_YEAR],
        death_date=row[_DEATH_DATE], death_year=row[_DEATH_YEAR], grave_id=row[_GRAVE],
        cemetery=index.cemeteries[row[_CEMETERY]][0], quarter=row[_QUARTER], row=row[_ROW],
        number=row[_NUMBER], hidden=hidden)


def _hidden(row: tuple, today: date) -> bool:
    until = row[_HIDDEN_UNTIL]
    return until is not None and today < until


def burial_search(*, gmina: Gmina, query: Query, cemetery: Cemetery | None = None,
                  limit: int = 10) -> list[Hit]:
    """The burials that best fit the query, best first (ties: surname, given names, id)."""
    if query.empty:
        return []
    index = _index(gmina)
    if query.words:
        matches = [index.word_matches(token, typing=(i == len(query.words) - 1))
                   for i, token in enumerate(query.words)]
        if not any(matches):
            return []
        postings = (index.everywhere if cemetery is None
                    else index.postings.get(cemetery.pk, {}))
        candidates, groups = _candidates(matches, postings)
    else:
        base = Burial.objects.filter(gmina=gmina)
        if cemetery is not None:
            base = base.filter(grave__cemetery=cemetery)
        if query.quarter:
            base = base.filter(grave__quarter__code__iexact=query.quarter)
        years = [y for y in (query.born, query.died, *query.years) if y]
        window = Q()
        for year in years:
            span = (year - query.tolerance, year + query.tolerance)
            window |= Q(birth_year__range=span) | Q(death_year__range=span)
        # The order of names is the database's here (its collation), as it always was.
        groups = [(0.0, lambda: list(base.filter(window).order_by("surname", "given_names", "id")
                                     .values_list("pk", flat=True)[:MAX_CANDIDATES]))]
        matches = []
        candidates = _NOTHING  # years alone: no group is narrowed by them (no `worst` here)
    today = timezone.localdate()
    # The quarter as the database's iexact compares it (quarter codes are plain letters).
    quarter = query.quarter.upper() if query.words else ""
    dated = bool(query.born or query.died or query.years)
    born = _year_fits(query.born, query.tolerance) if query.born else None
    died = _year_fits(query.died, query.tolerance) if query.died else None
    years = [_year_fits(year, query.tolerance) for year in query.years]
    one_year = years[0] if len(years) == 1 else None
    # A name word counts at most its fit (field weights are ≤ 1) and each year at most ×1.25,
    # so a group's fit bounds its members' scores: once the best `limit` are surely above
    # that, the weaker groups cannot place (the margin covers rounding).
    most = (1.25 ** len(query.years)) * (1 + 1e-9) / max(len(matches), 1)
    # One name (its fields) is scored once per search.
    token_scores: dict[int, float] = {}
    rows = index.rows
    scored: list[tuple] = []
    worst = None  # the score to beat to place, once `limit` are scored
    dated_candidates = None
    room = MAX_CANDIDATES  # the best-fitting 400 that can place are ranked (ties: lowest ids)
    for total, members in groups:
        if room <= 0:
            break
        if matches and len(scored) >= limit:
            scored.sort()
            del scored[limit:]
            worst = -scored[-1][0]
            beat = worst - 1e-6  # below it even when rounded
            if round(total * most, 6) < worst:
                break
        # The same bound for one member, with its own years: most members of a weak group
        # are out by their years alone, before their names are looked at.
        fit_at_most = total / len(matches) if matches else 0.0
        if (worst is not None and one_year is not None and born is None and died is None
                and fit_at_most * _WRONG_YEAR[0] < beat):
            # Only a member whose year fits can still place: the group is read among the
            # candidates born or dead in a fitting year (found once a search), not walked,
            # and the others take no room.
            if dated_candidates is None:
                dated_candidates = _born_or_died_in(candidates, one_year, index.by_year)
            ids = members(within=dated_candidates)
        else:
            ids = members()
        if len(ids) > room:
            ids = sorted(ids)[:room]
        room -= len(ids)
        for pk in ids:
            row = rows.get(pk)
            if row is None:  # written after the index was stamped: the next search has it
                continue
            if quarter and row[_QUARTER].upper() != quarter:
                continue
            birth_year, death_year = row[_BIRTH_YEAR], row[_DEATH_YEAR]
            factors = ()
            if dated:
                until = row[_HIDDEN_UNTIL]
                if until is not None and today < until:
                    birth_year = death_year = None
                if born is not None and not born.get(birth_year):
                    continue
                if died is not None and not died.get(death_year):
                    continue
                if one_year is not None:  # the usual case, worked out in place
                    fit = max(one_year.get(birth_year, 0.0), one_year.get(death_year, 0.0))
                    factors = (1.0 + 0.25 * fit,) if fit else _WRONG_YEAR
                elif years:
                    factors = _year_factors(years, birth_year, death_year)
            if matches:
                if worst is not None:
                    # Multiplied in the order the score is, so never below it.
                    bound = fit_at_most
                    for factor in factors:
                        bound *= factor
                    if bound < beat:
                        continue
                names = row[_NAMES]
                score = token_scores.get(id(names))
                if score is None:
                    score = token_scores[id(names)] = _names_fit(matches, names)
                if score <= 0:
                    continue
            else:
                score = 1.0
            for factor in factors:
                score *= factor
            scored.append((-round(score, 6), row[_SURNAME], row[_GIVEN], pk))
    scored.sort()
    hits = []
    for negative, _surname, _given, pk in scored[:limit]:
        row = rows[pk]
        hits.append(Hit(_found(row, index, _hidden(row, today)), -negative))
    return hits


def _born_or_died_in(ids: set[int] | frozenset[int], years: dict[int, float],
                     by_year: dict[int, frozenset[int]]) -> set[int]:
    found: set[int] = set()
    for year in years:
        found |= ids & by_year.get(year, _NOTHING)
    return found


def _year_fits(wanted: int, tolerance: int) -> dict[int, float]:
    """Year → how well it fits the one wanted (absent: not at all)."""
    fits = {}
    for year in range(wanted - tolerance, wanted + tolerance + 1):
        fit = 1.0 - 0.1 * abs(year - wanted)
        if fit:
            fits[year] = fit
    return fits


def _year_factors(years: list[dict[int, float]], birth_year: int | None,
                  death_year: int | None) -> tuple[float, ...]:
    factors = []
    for fits in years:
        fit = max(fits.get(birth_year, 0.0), fits.get(death_year, 0.0))
        factors.append(1.0 + 0.25 * fit if fit else _WRONG_YEAR[0])
    return tuple(factors)


def _names_fit(matches: list[dict[str, float]], names: tuple) -> float:
    """The mean over query words of the best weighted fit among the person's names."""
    total = 0.0
    for m in matches:
        best = 0.0
        for word, weight in names:
            fit = m.get(word, 0.0) * weight
            if fit > best:
                best = fit
        total += best
    return total / len(matches)
