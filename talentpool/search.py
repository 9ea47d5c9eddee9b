"""The talent-pool search: what is indexed, how, and how a query finds and ranks members.

PostgreSQL (production, CI): each entry has one `search_vector` under a GIN index, built
from its skills (weight A), tags (B), name, email and location (C) and the texts of its
documents (D). A document's text is stored only as its distinct lexemes in alphabetical
order (DocumentText.search_vector): the words can be matched, the text cannot be read
back. Everything is accent-folded and case-folded in Python before PostgreSQL sees it
(`fold`), on the index and on the query, so that "Zoë" finds "Zoe" and the other way
round without the unaccent extension. The text search configuration is 'simple' (no
stemming, no stop words: CVs mix German and English); each query word is a prefix
(`word:*`), which also finds German compounds that start with it ("Software" finds
"Softwareentwicklerin", "Entwickler" finds "Entwicklerin"), not those that end with it
("Entwicklerin" does not find "Softwareentwicklerin").

Order (pool_search): a member with a skill that is exactly the query ("Python",
"machine learning") comes first; then those with a query word among their skills (A),
their tags (B), their name, email or location (C), and last those whom only their
documents match (D: a CV repeating a word a hundred times gains nothing); each group
soonest expiry first, so that PostgreSQL reads a page's rows in index order and stops
(PoolResults). The page counts at most COUNT_CAP matches.

SQLite (development only): the texts are sealed with the vault's keyring and the search
unseals and matches them in Python, with the same folding, prefixes, filters and order.
It reads every visible member per query: fine for a demo, not for production.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, QuerySet, Value
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext

from ats.models import Document
from ats.vault import crypto
from ats.vault.extract import extract_text
from talentpool.models import DocumentText, TalentPoolEntry

logger = logging.getLogger(__name__)

CONFIG = "simple"
MAX_QUERY_WORDS = 12
PROFILE_WEIGHTS = ("A", "B", "C")  # skills, tags, name, email and location
_WORD = re.compile(r"[^\W_]+")
_INDEXABLE = (Document.ScanStatus.CLEAN, Document.ScanStatus.NOT_SCANNED)


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- Folding and words -------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: "Zoë Ñúñez" -> "zoe nunez", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """The folded words of a text, as the query and the SQLite fallback split them."""
    return _WORD.findall(fold(text))


def clean_labels(values: Iterable[str], *, limit: int = 30, length: int = 60) -> list[str]:
    """Skills or tags as HR or the person typed them: trimmed, each at most `length`
    characters, duplicates (accents and case aside) dropped, at most `limit`."""
    seen, kept = set(), []
    for value in values:
        value = " ".join(str(value).split())[:length]
        key = fold(value)
        if value and key not in seen:
            seen.add(key)
            kept.append(value)
    return kept[:limit]


# --- Indexing ----------------------------------------------------------------------------


def _profile_text(entry: TalentPoolEntry) -> str:
    candidate = entry.candidate
    return " ".join([candidate.first_name, candidate.last_name, candidate.email, entry.location])


# Besides their words, each skill and tag is one whole lexeme ("=machine learning",
# "#remote"): the exact-skill order and the skill and tag filters match those, so "Java"
# finds neither "JavaScript" nor "Java EE". No query word can produce such a lexeme.
_ENTRY_VECTOR_SQL = f"""
UPDATE talentpool_talentpoolentry AS e
SET profile_vector = p.v,
    search_vector = p.v || coalesce((
        SELECT string_agg(t.search_vector::text, ' ')::tsvector
        FROM talentpool_documenttext AS t WHERE t.entry_id = e.id
    ), ''::tsvector)
FROM (SELECT
    setweight(to_tsvector('{CONFIG}', %s), 'A')
    || setweight(array_to_tsvector(%s::text[]), 'A')
    || setweight(to_tsvector('{CONFIG}', %s), 'B')
    || setweight(array_to_tsvector(%s::text[]), 'B')
    || setweight(to_tsvector('{CONFIG}', %s), 'C') AS v
) AS p
WHERE e.id = %s
"""  # noqa: S608 (CONFIG is a constant)

SKILL, TAG = "=", "#"


def label_lexeme(marker: str, label: str) -> str:
    return marker + " ".join(words(label))


# A document's text reduced to its distinct lexemes, in alphabetical order, weight D.
_TEXT_VECTOR_SQL = f"""
SELECT setweight(to_tsvector('{CONFIG}', array_to_string(
    tsvector_to_array(to_tsvector('{CONFIG}', %s)), ' ')), 'D')
"""


def _label_lexemes(marker: str, labels) -> list[str]:
    return sorted({label_lexeme(marker, label) for label in labels or [] if words(label)})


def entry_vector_update(entry: TalentPoolEntry) -> None:
    """Rebuild the entry's search vector from its fields and its indexed texts (one
    statement; PostgreSQL only, the SQLite fallback reads the fields themselves)."""
    if not on_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _ENTRY_VECTOR_SQL,
            [
                fold(" ".join(entry.skills or [])),
                _label_lexemes(SKILL, entry.skills),
                fold(" ".join(entry.tags or [])),
                _label_lexemes(TAG, entry.tags),
                fold(_profile_text(entry)),
                entry.pk,
            ],
        )


def document_text_index(*, entry: TalentPoolEntry, document: Document, text: str) -> None:
    """Store what the search needs of one document's text (replacing an earlier index of
    it): lexemes on PostgreSQL, the sealed text elsewhere. The entry's vector is not
    rebuilt here (entry_vector_update)."""
    row, _ = DocumentText.objects.get_or_create(entry=entry, document=document)
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(_TEXT_VECTOR_SQL, [fold(text)])
            (vector,) = cursor.fetchone()
        DocumentText.objects.filter(pk=row.pk).update(
            search_vector=vector, indexed_at=timezone.now()
        )
    else:
        DocumentText.objects.filter(pk=row.pk).update(
            sealed_text=crypto.seal(text.encode(), context=row.sealed_context),
            sealed_key_id=crypto.keyring()["active"],
            indexed_at=timezone.now(),
        )


def indexable_documents(entry: TalentPoolEntry) -> QuerySet[Document]:
    """The member's documents the search may read: every clean document of their
    applications (what section 3.7 of the privacy policy lets the pool consider)."""
    return Document.objects.filter(
        application__candidate=entry.candidate_id, scan_status__in=_INDEXABLE
    ).exclude(wrapped_key=b"")


def pool_index_entry(entry: TalentPoolEntry) -> int:
    """Index the member's documents not indexed yet (each decrypted in memory through
    the vault's reader, its text extracted, bounded) and rebuild the entry's vector;
    the number of documents indexed. A document that cannot be read is skipped and
    logged by id, never failing the caller."""
    from ats.vault.lifecycle import read_plaintext

    done = set(DocumentText.objects.filter(entry=entry).values_list("document_id", flat=True))
    indexed = 0
    for document in indexable_documents(entry).exclude(pk__in=done):
        try:
            plaintext = b"".join(read_plaintext(document))
        except Exception as exc:  # a missing object or a damaged file: the search does without
            logger.warning(
                "pool search: document %s not indexed (%s)", document.pk, type(exc).__name__
            )
            continue
        text = extract_text(plaintext, document.content_type)
        del plaintext
        with transaction.atomic():
            document_text_index(entry=entry, document=document, text=text)
        indexed += 1
    entry_vector_update(entry)
    return indexed


def pool_unindex_entry(entry: TalentPoolEntry) -> None:
    """Erase what the search holds of an ended entry: its texts and its vector."""
    DocumentText.objects.filter(entry=entry).delete()
    TalentPoolEntry.objects.filter(pk=entry.pk).update(search_vector=None, profile_vector=None)


def current_entry_of(candidate_id: int) -> TalentPoolEntry | None:
    return (
        TalentPoolEntry.objects.filter(
            candidate=candidate_id, ended_at=None, expires_at__gt=timezone.now()
        )
        .select_related("candidate")
        .first()
    )


def document_stored_index(*, document: Document, plaintext: bytes | memoryview) -> bool:
    """At intake: index a new clean document of a current pool member from the
    plaintext the intake holds in memory. False when there was nothing to do."""
    if document.scan_status not in _INDEXABLE:
        return False  # a pending scan: indexed by pool_index_entry once it is clean
    entry = current_entry_of(document.application.candidate_id)
    if entry is None:
        return False
    text = extract_text(plaintext, document.content_type)
    document_text_index(entry=entry, document=document, text=text)
    entry_vector_update(entry)
    return True


def document_scanned_index(*, document: Document) -> bool:
    """A document stored as pending (the scanner was down at intake) was found clean on
    its rescan: index it for a current pool member, decrypting it through the vault's
    reader (pool_index_entry). False when there was nothing to do."""
    if document.scan_status not in _INDEXABLE:
        return False
    entry = current_entry_of(document.application.candidate_id)
    if entry is None:
        return False
    return pool_index_entry(entry) > 0


# --- Searching ---------------------------------------------------------------------------

# The search page counts the matches up to this many and says "more than" beyond: a full
# count of a word found in nearly every CV costs as much as the search itself.
COUNT_CAP = 1000


@dataclass(frozen=True)
class PoolQuery:
    """What a recruiter searches by; every part optional."""

    text: str = ""
    skills: Sequence[str] = ()
    tags: Sequence[str] = ()
    location: str = ""
    expiring_within_days: int | None = None

    def text_words(self) -> list[str]:
        return words(self.text)[:MAX_QUERY_WORDS]


def _literal(lexeme: str) -> str:
    """A lexeme as tsquery input (made of words() output and a marker: no quote or
    backslash can occur, but they are escaped all the same)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class TsQueries:
    """A PoolQuery as tsquery texts. Every word comes from `words`, letters and digits
    only, so no tsquery syntax can be injected."""

    every_word: str  # for to_tsquery: each word a prefix, all of them required
    any_word: str  # the same, one of them enough (what makes a profile match)
    filters: str  # the skill and tag lexemes, as tsquery literals, all required
    exact: str  # the whole text as one skill lexeme
    # For each of the profile's weights (A skills, B tags, C name, email and location):
    # one of the words with that weight, none with a higher one.
    by_weight: dict[str, str] = field(default_factory=dict)


def tsquery_texts(query: PoolQuery) -> TsQueries:
    wanted = query.text_words()
    prefixes = [f"{word}:*" for word in wanted]
    filters = [_literal(label_lexeme(SKILL, s)) for s in query.skills if words(s)]
    filters += [_literal(label_lexeme(TAG, t)) for t in query.tags if words(t)]
    by_weight, higher = {}, []
    for weight in PROFILE_WEIGHTS:
        weighted = "(" + " | ".join(f"{prefix}{weight}" for prefix in prefixes) + ")"
        by_weight[weight] = " & ".join([weighted] + [f"!{h}" for h in higher])
        higher.append(weighted)
    return TsQueries(
        every_word=" & ".join(prefixes),
        any_word=" | ".join(prefixes),
        filters=" & ".join(filters),
        exact=_literal(label_lexeme(SKILL, " ".join(wanted))) if wanted else "",
        by_weight=by_weight if wanted else {},
    )


def pool_search(entries: QuerySet[TalentPoolEntry], query: PoolQuery):
    """The members among `entries` (a visible_pool_entries queryset) that match, in the
    search's order (docs/talent-pool.md, "Search"):

    1. profile matches: members with a query word among their skills, tags, name, email
       or location (and every word somewhere), an exact skill match first, then by
       ts_rank over those fields (skills A, tags B, the rest C);
    2. then the members whom only their documents' text matches, soonest expiry first.

    Without words: every member that passes the filters, soonest expiry first. On
    PostgreSQL a PoolResults (sliceable and countable, what the paginator needs) or a
    QuerySet; a list from the SQLite fallback."""
    if query.location.strip():
        entries = entries.filter(location__icontains=query.location.strip())
    if query.expiring_within_days is not None:
        entries = entries.filter(
            expires_at__lte=timezone.now() + timedelta(days=query.expiring_within_days)
        )
    ts = tsquery_texts(query)
    # The vectors are never shown; the 25 candidates of a page are fetched by id after
    # the page is cut, not joined to every match before it.
    entries = entries.defer("search_vector", "profile_vector").prefetch_related("candidate")
    if not (ts.every_word or ts.filters):
        return entries.order_by("expires_at", "pk")
    if on_postgresql():
        return _search_postgresql(entries, ts, len(query.text_words()))
    return _search_python(entries, query)


class CappedPaginator(Paginator):
    """A paginator that counts the results up to COUNT_CAP + 1 only: beyond COUNT_CAP
    it shows COUNT_CAP results (40 pages of 25) and `capped` says there are more."""

    cap = COUNT_CAP
    capped = False

    @cached_property
    def count(self) -> int:
        results = self.object_list
        if isinstance(results, PoolResults):
            found = results.count(upto=self.cap + 1)
        elif isinstance(results, QuerySet):
            found = results.order_by()[: self.cap + 1].count()
        else:
            found = len(results)
        self.capped = found > self.cap
        return min(found, self.cap)

    @property
    def capped_note(self) -> str:
        """What the page says when the count was capped (empty otherwise)."""
        if not self.capped:
            return ""
        return gettext(
            "More than %(count)s members match; only the first %(count)s are listed. "
            "Add a word or a filter to narrow the search."
        ) % {"count": number_format(self.cap, force_grouping=True)}


def pool_search_page(entries: QuerySet[TalentPoolEntry], query: PoolQuery, number, per_page=25):
    """One page of pool_search's results: a django.core.paginator.Page of a
    CappedPaginator, its objects and the paginator's (capped) count evaluated."""
    results = pool_search(entries, query)
    if not on_postgresql():
        page = CappedPaginator(results, per_page).get_page(number)
        page.object_list = list(page.object_list)
        return page
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL jit = off")
        page = CappedPaginator(results, per_page).get_page(number)
        page.object_list = list(page.object_list)
    return page


class PoolResults:
    """A text search's results on PostgreSQL, in parts fetched one after the other, so
    that a page ranks, reads and counts no more than it needs:

    1. the exact skill matches, soonest expiry first: the small profile vector is
       stored inline and the expiry index gives the order, so PostgreSQL reads rows
       in that order and stops once the page is full;
    2. the other profile matches, by ts_rank: few (a word among someone's tags, name
       or place, or the start of a longer skill), found through the profile's index;
    3. the rest (the words only in documents), soonest expiry first, as in 1.

    A slice takes the rows of each part in turn; a part's size is counted only when a
    slice starts after its end. `count(upto=N)` counts at most N matches."""

    ordered = True  # the paginator's check: the order is stable (it ends with the id)

    def __init__(self, matches: QuerySet, parts: list[QuerySet]):
        self._matches, self._parts = matches, parts
        self._sizes: dict[int, int] = {}

    def count(self, upto: int | None = None) -> int:
        matches = self._matches.order_by()
        if upto is not None:
            matches = matches[:upto]
        return matches.count()

    def __len__(self) -> int:
        return self.count()

    def _size(self, index: int) -> int:
        if index not in self._sizes:
            self._sizes[index] = self._parts[index].order_by().count()
        return self._sizes[index]

    def __getitem__(self, key):
        if isinstance(key, int):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        start, stop = key.start or 0, key.stop
        if start < 0 or (stop is not None and stop < start) or key.step:
            raise ValueError("PoolResults takes slices from 0 up, without step")
        found, before = [], 0  # the rows of the parts before this one
        for index, part in enumerate(self._parts):
            first = max(0, start - before)
            last = None if stop is None else stop - before
            if last is not None and last <= 0:
                break
            rows = list(part[first:last])
            found += rows
            if last is not None and len(rows) == last - first:
                break  # the slice is full: the parts after it are not read
            if rows or first == 0:  # the part ends within the slice: its size is known
                self._sizes[index] = first + len(rows)
            before += self._size(index)
        return found

    def __iter__(self):
        return iter(self[0:None])


# The SQL of the search's conditions: constants, every value bound as a parameter.
_TABLE = '"talentpool_talentpoolentry"'
_WORDS_MATCH = f"{_TABLE}.\"search_vector\" @@ to_tsquery('{CONFIG}', %s)"
_LEXEMES_MATCH = f'{_TABLE}."profile_vector" @@ %s::tsquery'
# A word in the profile, not the whole text as one skill: one query, which the
# profile's GIN index answers without reading the rows.
_PROFILE_NOT_EXACT = (
    f"{_TABLE}.\"profile_vector\" @@ (to_tsquery('{CONFIG}', %s) && !! %s::tsquery)"
)
# The same with weights (a word with this weight and none with a higher one). The index
# does not store weights, so a weighted match makes PostgreSQL recheck every condition
# of the index on the row, the full vector's included (fetched out of line and
# decompressed): written as the function, the planner tests it on the row only (the
# profile vector, small and inline) and keeps the index for the unweighted conditions.
_PROFILE_WEIGHTED = (
    f"ts_match_vq({_TABLE}.\"profile_vector\", to_tsquery('{CONFIG}', %s) && !! %s::tsquery)"
)
# An entry without a profile vector (its indexing failed) is never a profile match.
_NO_PROFILE_MATCH = (
    f"NOT (coalesce({_TABLE}.\"profile_vector\", ''::tsvector) @@ to_tsquery('{CONFIG}', %s))"
)


def _sql(sql: str, *params: str):
    from django.db.models.expressions import RawSQL

    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611


def _search_postgresql(entries: QuerySet[TalentPoolEntry], ts: TsQueries, n_words: int):
    if ts.filters:
        # Skills and tags are whole lexemes of the small profile vector (its GIN index).
        entries = entries.filter(_sql(_LEXEMES_MATCH, ts.filters))
    if not ts.every_word:
        return entries.order_by("expires_at", "pk")
    matches = entries.filter(_sql(_WORDS_MATCH, ts.every_word))
    # An exact skill holds every word of the text, in the profile and so in the full
    # vector: no other condition needed.
    parts = [entries.filter(_sql(_LEXEMES_MATCH, ts.exact))]
    # A word in the profile, and every word in the full vector: with one word, the
    # profile's index finds the rows (the profile's lexemes are the full vector's too);
    # with more, the full vector's index, and the profile is tested on each row.
    if n_words > 1:
        profile_matches = matches
    else:
        profile_matches = entries.filter(_sql(_PROFILE_NOT_EXACT, ts.any_word, ts.exact))
    for weight in PROFILE_WEIGHTS:
        weighted = _sql(_PROFILE_WEIGHTED, ts.by_weight[weight], ts.exact)
        parts.append(profile_matches.filter(weighted))
    parts.append(matches.filter(_sql(_NO_PROFILE_MATCH, ts.any_word)))
    return PoolResults(
        matches,
        [  # exact_skill: the page marks those members ("Skill match")
            part.annotate(exact_skill=Value(index == 0)).order_by("expires_at", "pk")
            for index, part in enumerate(parts)
        ],
    )


# --- The SQLite fallback -----------------------------------------------------------------


@dataclass
class _Fields:
    """An entry's words per weight, as the PostgreSQL vector holds them."""

    skills: set[str] = field(default_factory=set)  # each skill's words, joined
    tags: set[str] = field(default_factory=set)
    by_weight: dict[str, set[str]] = field(default_factory=dict)


def _fields(entry: TalentPoolEntry, texts: list[str]) -> _Fields:
    skills = [words(label) for label in entry.skills or []]
    tags = [words(label) for label in entry.tags or []]
    return _Fields(
        skills={" ".join(label) for label in skills},
        tags={" ".join(label) for label in tags},
        by_weight={
            "A": {w for label in skills for w in label},
            "B": {w for label in tags for w in label},
            "C": set(words(_profile_text(entry))),
            "D": {w for text in texts for w in words(text)},
        },
    )


def _contains(labels: list[list[str]], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(label[i : i + n] == phrase for label in labels for i in range(len(label) - n + 1))


def _search_python(entries: QuerySet[TalentPoolEntry], query: PoolQuery) -> list:
    texts: dict[int, list[str]] = {}
    for row in DocumentText.objects.filter(entry__in=entries).exclude(sealed_text=b""):
        try:
            plain = crypto.unseal(row.sealed_text, context=row.sealed_context).decode()
        except crypto.VaultCryptoError:
            logger.warning("pool search: indexed text %s unreadable", row.pk)
            continue
        texts.setdefault(row.entry_id, []).append(plain)
    wanted = query.text_words()
    skills = {" ".join(words(label)) for label in query.skills if words(label)}
    tags = {" ".join(words(label)) for label in query.tags if words(label)}
    found = []
    for entry in entries:
        fields = _fields(entry, texts.get(entry.pk, []))
        if not (skills <= fields.skills and tags <= fields.tags):
            continue
        best = len(PROFILE_WEIGHTS)  # the best profile weight any word has
        for word in wanted:
            weights = [
                weight
                for weight, vocabulary in fields.by_weight.items()
                if any(known.startswith(word) for known in vocabulary)
            ]
            if not weights:
                break
            best = min([best] + [PROFILE_WEIGHTS.index(w) for w in weights if w != "D"])
        else:
            entry.exact_skill = bool(wanted) and " ".join(wanted) in fields.skills
            entry.tier = -1 if entry.exact_skill else best
            found.append(entry)
    # pool_search's order: exact skill, then a word among skills, tags, the rest of the
    # profile, then in documents only; within each, soonest expiry first.
    found.sort(key=lambda e: (e.tier, e.expires_at, e.pk))
    return found
