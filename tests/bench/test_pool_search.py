"""Latency of the talent-pool search over 100,000 members with indexed CV text, on
PostgreSQL, against a bare `SELECT COUNT(*)` of the entries table in the same run.

Seeding (ATS_BENCH_POOL_MEMBERS, default 100,000): candidates, their pool consents and
entries (skills, tags and location drawn from fixed lists with a fixed seed), one
application with one CV document each, made with bulk_create; then, in SQL, each CV's
text (300 to 500 words from the base list of about 450 German and English CV words
followed by 30,000 compounds of two of them, drawn log-uniformly by rank as Zipf's law
has it) reduced to its indexed form exactly as
talentpool.search stores it (distinct lexemes, alphabetical, weight D), and each entry's
search vector built set-based by the same expressions as entry_vector_update (checked
equal to the product's own function on a sample).

Measured: ten representative queries (single words common and rare, German compound
prefixes, two-word queries, skill and tag filters, a location filter), each run
REPEATS times through the product's path, as the search page calls it:
visible_pool_entries(HR user) -> pool_search_page (the first page of 25, its members'
names and the paginator's count, capped at talentpool.search.COUNT_CAP as the page
shows it). Median and p95 over all runs, in ms, against the median of the bare
COUNT(*), and each query's median and p95. Goal: p95 under GOAL_P95_MS; missing it
marks the test xfail with the figures, as the other benchmarks do (docs/benchmarks.md).
The matches reported per query are the full count, taken outside the timed runs.
"""

from __future__ import annotations

import os
import random
import statistics
import time

import pytest
from django.db import connection, transaction

from tests import services as test_services

MEMBERS = int(os.environ.get("ATS_BENCH_POOL_MEMBERS", "100000"))
REPEATS = 10
GOAL_P95_MS = 50.0
CHUNK = 10_000

SKILLS = (
    "Python Java JavaScript TypeScript Go Rust Kotlin SQL PostgreSQL Django Spring React "
    "Kubernetes Docker Terraform AWS Azure SAP Excel Buchhaltung Controlling Vertrieb "
    "Projektmanagement Scrum Figma Photoshop Linux Netzwerke Pflege Logistik"
).split()
MULTIWORD_SKILLS = ["Machine Learning", "Data Analysis", "Customer Service", "Key Account"]
TAGS = "senior junior remote teilzeit vollzeit werkstudent praktikum quereinsteiger".split()
LOCATIONS = "Berlin Hamburg München Köln Frankfurt Stuttgart Leipzig Dresden Remote".split()
FIRST = "Anna Ben Clara David Emma Felix Greta Hannes Ida Jonas Lea Max Nina Otto Zoë".split()
LAST = "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann".split()
VOCABULARY = (
    # Common words first: the draw favours the start of the list.
    "und der die das mit für in im bei als von zu auf erfahrung team projekt kunden "
    "the and of with for in to at as experience team project customers "
    "entwicklung software anwendung system daten analyse verantwortung leitung "
    "development application system data analysis responsible lead management "
    "softwareentwicklung softwareentwicklerin softwareentwickler webentwicklung "
    "projektmanagement projektleiter projektleiterin teamleitung teamleiter "
    "kundenbetreuung kundenservice vertriebsmitarbeiter vertriebsleiter "
    "buchhaltung finanzbuchhaltung lohnbuchhaltung controlling bilanzierung "
    "personalwesen personalentwicklung recruiting ausbildung studium bachelor master "
    "informatik wirtschaftsinformatik betriebswirtschaft maschinenbau elektrotechnik "
    "python java javascript typescript golang rust kotlin sql postgresql mysql oracle "
    "django flask spring react angular vue node kubernetes docker terraform ansible "
    "aws azure gcp linux windows netzwerk netzwerke sicherheit datenschutz "
    "sap excel powerpoint word outlook jira confluence git github gitlab jenkins "
    "scrum kanban agile agil produktmanagement produktowner requirements "
    "machine learning deep neural statistics statistik modellierung "
    "logistik lager einkauf beschaffung supply chain qualitätsmanagement iso "
    "pflege krankenpflege altenpflege gesundheit patienten medizin "
    "marketing onlinemarketing seo sea social media content redaktion texte "
    "design figma photoshop illustrator ux ui nutzerforschung prototypen "
    "englisch deutsch französisch spanisch fließend verhandlungssicher "
    "berlin hamburg münchen köln frankfurt stuttgart leipzig dresden "
    "gmbh ag kg startup konzern mittelstand beratung consulting agentur "
    "verantwortlich für aufbau einführung optimierung migration betrieb wartung "
    "zuverlässig teamfähig kommunikationsstark belastbar selbstständig strukturiert "
    "führerschein reisebereitschaft homeoffice teilzeit vollzeit werkstudent "
    "zertifizierung zertifikat weiterbildung schulung workshop präsentation "
    "kundenprojekte großprojekte infrastruktur cloudmigration datenbanken "
    "schnittstellen microservices architektur backend frontend fullstack mobile "
    "android ios swift embedded firmware hardware elektronik automatisierung "
    "fertigung produktion instandhaltung schichtleitung arbeitssicherheit"
).split()

QUERIES = [
    ("common word", {"text": "erfahrung"}),
    ("skill word", {"text": "python"}),
    ("compound prefix", {"text": "software"}),
    ("compound prefix, German", {"text": "projektleit"}),
    ("two words", {"text": "kubernetes terraform"}),
    ("rarer word", {"text": "iso"}),
    ("name", {"text": "Zoë Müller"}),
    ("skill filter", {"skills": ["Machine Learning"]}),
    ("text, tag and location", {"text": "java", "tags": ["remote"], "location": "Berlin"}),
    ("text and expiry", {"text": "buchhaltung", "expiring_within_days": 30}),
]


def cv_vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    """The base words, in order (the most common first), then German-style compounds of
    two of them as the long tail: words are drawn log-uniformly by rank (Zipf's law),
    so "und" is in every CV and a compound in a few."""
    words = list(dict.fromkeys(VOCABULARY))
    nouns = [w for w in words if len(w) > 4]
    seen = set(words)
    while len(words) < size:
        compound = rng.choice(nouns) + rng.choice(nouns)
        if compound not in seen:
            seen.add(compound)
            words.append(compound)
    return words


def seed(members: int) -> None:
    """Candidates, consents, entries, applications and CV documents with bulk_create;
    CV texts and search vectors in SQL (see the module's docstring)."""
    from datetime import timedelta

    from django.utils import timezone

    from ats import services
    from ats.models import (
        Application,
        Candidate,
        Consent,
        ConsentText,
        Department,
        Document,
        Purpose,
    )
    from ats.services import stages_for
    from talentpool.models import TalentPoolEntry

    rng = random.Random(6)
    vocabulary = cv_vocabulary(rng)
    department = Department.objects.create(name="Bench")
    vacancy = services.vacancy_create(
        title="Bench", department=department, location="Berlin", description="-"
    )
    stage = next(iter(stages_for(vacancy)))
    text = ConsentText.objects.filter(purpose=Purpose.TALENT_POOL, language="en").first()
    now = timezone.now()
    for first in range(0, members, CHUNK):
        numbers = range(first, min(members, first + CHUNK))
        candidates = Candidate.objects.bulk_create(
            Candidate(
                first_name=FIRST[n % len(FIRST)],
                last_name=LAST[(n // len(FIRST)) % len(LAST)],
                email=f"member{n}@example.org",
                phone="+49 30 5550000",
            )
            for n in numbers
        )
        consents = Consent.objects.bulk_create(
            Consent(
                candidate=c,
                purpose=Purpose.TALENT_POOL,
                text=text,
                given_at=now - timedelta(days=rng.randrange(1, 170)),
                given_via=Consent.Via.FORM,
            )
            for c in candidates
        )
        TalentPoolEntry.objects.bulk_create(
            TalentPoolEntry(
                candidate=c,
                consent=consent,
                source="application_form",
                joined_at=consent.given_at,
                expires_at=consent.given_at + timedelta(days=182),
                location=rng.choice(LOCATIONS),
                skills=rng.sample(SKILLS, rng.randrange(2, 7))
                + ([rng.choice(MULTIWORD_SKILLS)] if rng.random() < 0.2 else []),
                tags=rng.sample(TAGS, rng.randrange(0, 3)),
            )
            for c, consent in zip(candidates, consents, strict=True)
        )
        applications = Application.objects.bulk_create(
            Application(
                candidate=c,
                vacancy=vacancy,
                stage=stage,
                channel="careers_site",
                submitted_at=now - timedelta(days=n % 200),
            )
            for n, c in zip(numbers, candidates, strict=True)
        )
        Document.objects.bulk_create(
            Document(
                application=a,
                kind=Document.Kind.CV,
                display_name="cv.pdf",
                content_type="application/pdf",
                size=1024,
                storage_key=f"bench/{a.pk}",
                key_id="bench",
                wrapped_key=b"-",
                scan_status=Document.ScanStatus.CLEAN,
            )
            for a in applications
        )
    with connection.cursor() as cursor:
        # A numbered word list (an array's n-th element costs O(n) to find in SQL).
        cursor.execute("CREATE TEMPORARY TABLE bench_words (rank int PRIMARY KEY, word text)")
        cursor.execute(
            "INSERT INTO bench_words "
            "SELECT n, w FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n)",
            [vocabulary],
        )
        cursor.execute("ANALYZE bench_words")
        cursor.execute(
            """
            INSERT INTO talentpool_documenttext
                (entry_id, document_id, indexed_at, search_vector, sealed_text, sealed_key_id)
            SELECT e.id, d.id, now(),
                setweight(to_tsvector('simple', array_to_string(
                    tsvector_to_array(to_tsvector('simple', cv.text)), ' ')), 'D'),
                '', ''
            FROM talentpool_talentpoolentry e
            JOIN ats_application a ON a.candidate_id = e.candidate_id
            JOIN ats_document d ON d.application_id = a.id
            CROSS JOIN LATERAL (
                SELECT string_agg(w.word, ' ') AS text
                FROM (
                    SELECT floor(exp(random() * ln(%(size)s)))::int AS rank
                    FROM generate_series(1, 300 + (e.id %% 200))
                ) AS drawn
                JOIN bench_words AS w ON w.rank = drawn.rank
            ) cv
            """,
            {"size": len(vocabulary)},
        )
        # entry_vector_update's expressions, set-based; the bench's names and places
        # need no folding beyond lower() and four letters (checked on a sample below).
        cursor.execute(
            """
            UPDATE talentpool_talentpoolentry AS e
            SET profile_vector = p.v,
                search_vector = p.v || coalesce((
                    SELECT string_agg(t.search_vector::text, ' ')::tsvector
                    FROM talentpool_documenttext AS t WHERE t.entry_id = e.id
                ), ''::tsvector)
            FROM (
                SELECT e2.id,
                    setweight(to_tsvector('simple', lower(array_to_string(ARRAY(
                        SELECT jsonb_array_elements_text(e2.skills)), ' '))), 'A')
                    || setweight(array_to_tsvector(ARRAY(
                        SELECT '=' || lower(s) FROM jsonb_array_elements_text(e2.skills) s)),
                        'A')
                    || setweight(to_tsvector('simple', lower(array_to_string(ARRAY(
                        SELECT jsonb_array_elements_text(e2.tags)), ' '))), 'B')
                    || setweight(array_to_tsvector(ARRAY(
                        SELECT '#' || lower(t) FROM jsonb_array_elements_text(e2.tags) t)),
                        'B')
                    || setweight(to_tsvector('simple', translate(lower(
                        c.first_name || ' ' || c.last_name || ' ' || c.email || ' '
                        || e2.location), 'äöüë', 'aoue')), 'C') AS v
                FROM talentpool_talentpoolentry e2
                JOIN ats_candidate c ON c.id = e2.candidate_id
            ) AS p
            WHERE p.id = e.id
            """
        )


def same_as_the_product(sample: int = 20) -> None:
    """The set-based vectors equal entry_vector_update's for a sample of entries."""
    from talentpool.models import TalentPoolEntry
    from talentpool.search import entry_vector_update

    entries = list(TalentPoolEntry.objects.select_related("candidate").order_by("?")[:sample])
    with connection.cursor() as cursor:
        for entry in entries:
            vectors = (
                "SELECT search_vector::text, profile_vector::text "
                "FROM talentpool_talentpoolentry WHERE id = %s"
            )
            cursor.execute(vectors, [entry.pk])
            seeded = cursor.fetchone()
            entry_vector_update(entry)
            cursor.execute(vectors, [entry.pk])
            assert cursor.fetchone() == seeded


def timed(run) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a transaction
def test_pool_search_latency_against_a_bare_count(report, hanna):
    if connection.vendor != "postgresql":
        test_services.missing("PostgreSQL", f"the suite runs on {connection.vendor}")
    from talentpool.search import PoolQuery, pool_search, pool_search_page
    from talentpool.selectors import visible_pool_entries

    began = time.monotonic()
    with transaction.atomic():
        seed(MEMBERS)
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load
        cursor.execute("VACUUM ANALYZE talentpool_talentpoolentry")
        cursor.execute("VACUUM ANALYZE talentpool_documenttext")
    seed_seconds = time.monotonic() - began
    same_as_the_product()

    def count() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM talentpool_talentpoolentry")
            cursor.fetchone()

    def search(query: dict):
        def run() -> None:
            page = pool_search_page(visible_pool_entries(hanna), PoolQuery(**query), 1, 25)
            [entry.candidate.full_name for entry in page]  # as the page shows them

        return run

    for _, query in QUERIES:  # warm the caches once
        search(query)()
    count()
    counts, searches, per_query = [], [], {}
    for _ in range(REPEATS):
        counts.append(timed(count))
        for name, query in QUERIES:
            ms = timed(search(query))
            searches.append(ms)
            per_query.setdefault(name, []).append(ms)
    matches = {
        name: pool_search(visible_pool_entries(hanna), PoolQuery(**query)).count()
        for name, query in QUERIES
    }
    baseline = statistics.median(counts)
    median, high = statistics.median(searches), p95(searches)
    report(
        members=MEMBERS,
        seed_seconds=seed_seconds,
        count_median_ms=baseline,
        search_median_ms=median,
        search_p95_ms=high,
        median_ratio=median / baseline,
        p95_ratio=high / baseline,
        **{
            f"query {name} (matches {matches[name]:,}), median / p95": (
                f"{statistics.median(values):.1f} / {p95(values):.1f}"
            )
            for name, values in per_query.items()
        },
    )
    if high > GOAL_P95_MS:
        pytest.xfail(f"p95 {high:.1f} ms over {MEMBERS:,} members; goal {GOAL_P95_MS:.0f} ms")
