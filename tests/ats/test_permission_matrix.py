"""Every recruiter URL, collected from the URL conf (so new ones are covered without
editing this file), for every persona: the expected status, and no personal data in any
response the persona may not see. Object ids are those of vacancy A's records, so the
manager of vacancy B tries them as an IDOR attack would."""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from anonymizer import urls as urls_retention
from ats import urls_recruit
from ats.models import DecisionTemplate
from ats.services.requests import data_request_create
from ats.vault.intake import document_intake
from talentpool import urls_recruit as urls_pool
from tests import vault_files
from tests.ats.vault.conftest import use_local_storage

# Routes only HR may use; every other route is for the vacancy's team.
HR_ONLY = {
    "vacancy_new",
    "vacancy_edit",
    "vacancy_publish",
    "vacancy_close",
    "vacancy_stages",
    "vacancy_bulk_reject",
    "decision_communicated",
    "audit_trail",
    "decision_templates",
    "decision_template_edit",
    "retention",
    "legal_hold_place",
    "legal_hold_release",
    "data_requests",
    "data_request_new",
    "data_request",
    "data_request_assign",
    "data_request_update",
    "data_request_extend",
    "data_request_resend",
    "data_request_restrict",
    "data_request_lift",
}
# Routes that list what the user may see rather than one object.
LISTS = {"workspace", "application_list", "application_export", "decision_templates"}
# Every route under /recruit/: the workspace's and the retention pages'.
ROUTES = [
    p for p in [*urls_recruit.urlpatterns, *urls_retention.urlpatterns] if isinstance(p, URLPattern)
]
# The talent pool's (talentpool.urls_recruit): Zoë is a member shared with no vacancy, so
# every manager gets 404 for her (and an empty search), management 404 for everything.
POOL_ROUTES = [p for p in urls_pool.urlpatterns if isinstance(p, URLPattern)]
PERSONAS = ["anonymous", "hanna", "max_manager", "brigitte", "mia"]
SECRETS = ("Zoë", "zoe.nunez@example.org", "Ñúñez")


@pytest.fixture
def world(settings, tmp_path, zoes_application, vacancy_b, hanna, max_manager, brigitte, mia):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    screening = zoes_application.vacancy.stages.get(kind="screening")
    zoes_application.stage = screening  # a stage with a scorecard, for evaluation_new
    zoes_application.save()
    document = document_intake(
        application=zoes_application, kind="cv", name="cv.pdf", data=vault_files.pdf("CV")
    )
    from ats import services
    from talentpool.models import TalentPoolEntry
    from tests.talentpool.pool_people import member, person

    member(zoes_application.candidate, skills=["Python"])
    past = services.application_create(
        candidate=person("Past"), vacancy=zoes_application.vacancy, channel="careers_site"
    )
    past.decision = "rejected"
    past.save()
    return {
        "entry": TalentPoolEntry.objects.get(),
        "past_application": past,
        "vacancy": zoes_application.vacancy,
        "application": zoes_application,
        "document": document,
        "template": DecisionTemplate.objects.filter(kind="reject").first(),
        "data_request": data_request_create(
            kind="objection",
            via="self_service",
            candidate=zoes_application.candidate,
            application=zoes_application,
            reason="Zoë objects",
        ),
    }


def url_for(pattern: URLPattern, world: dict) -> str:
    route = str(pattern.pattern)
    values = {"kind": "reject"}
    if route.startswith("vacancies/"):
        values["pk"] = world["vacancy"].pk
    elif route.startswith(("applications/", "holds/")):
        values["pk"] = world["application"].pk
    elif route.startswith("documents/"):
        values["pk"] = world["document"].pk
    elif route.startswith("templates/"):
        values["pk"] = world["template"].pk
    elif route.startswith("requests/"):
        values["pk"] = world["data_request"].pk
    for name in list(values):
        if f"<{name}>" not in route and f":{name}>" not in route:
            values.pop(name)
    from django.urls import reverse

    return reverse(pattern.name, kwargs=values)


def request(client, url: str):
    response = client.get(url)
    if response.status_code == 405:  # a POST-only route: try it as a POST
        response = client.post(url, {})
    return response


def expected(persona: str, name: str) -> set[int]:
    if persona == "anonymous":
        return {302}
    allowed = persona == "hanna" or (persona == "max_manager" and name not in HR_ONLY)
    if allowed:
        return {200, 302, 400}
    if name in LISTS and name not in HR_ONLY and persona != "mia":
        return {200}  # a manager with no vacancy: a list of nothing they may not see
    return {404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("pattern", ROUTES, ids=[p.name for p in ROUTES])
def test_every_recruiter_url_answers_each_persona_as_expected(
    client, request_fixture, world, persona, pattern
):
    if persona != "anonymous":
        client.force_login(request_fixture.getfixturevalue(persona))
    url = url_for(pattern, world)
    response = request(client, url)
    assert response.status_code in expected(persona, pattern.name), url
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    allowed = persona == "hanna" or (persona == "max_manager" and pattern.name not in HR_ONLY)
    if not allowed and not getattr(response, "streaming", False):
        text = response.content.decode(errors="replace")
        for secret in SECRETS:
            assert secret not in text, (persona, url)


@pytest.fixture
def request_fixture(request):
    return request


def pool_url_for(pattern: URLPattern, world: dict) -> str:
    from django.urls import reverse

    route, values = str(pattern.pattern), {}
    if "<int:pk>" in route:
        values["pk"] = world["entry"].pk
    if "<uuid:document>" in route:
        values["document"] = world["document"].pk
    if "<int:application>" in route:
        values["application"] = world["past_application"].pk
    return reverse(f"talentpool_recruit:{pattern.name}", kwargs=values)


def pool_expected(persona: str, name: str) -> set[int]:
    if persona == "anonymous":
        return {302}
    if persona == "hanna":
        return {200, 302, 400}
    if persona in {"max_manager", "brigitte"} and name == "search":
        return {200}  # a list of nothing they may see
    return {404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("pattern", POOL_ROUTES, ids=[p.name for p in POOL_ROUTES])
def test_every_pool_url_answers_each_persona_as_expected(
    client, request_fixture, world, persona, pattern
):
    if persona != "anonymous":
        client.force_login(request_fixture.getfixturevalue(persona))
    url = pool_url_for(pattern, world)
    response = request(client, url)
    assert response.status_code in pool_expected(persona, pattern.name), url
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if persona != "hanna" and not getattr(response, "streaming", False):
        text = response.content.decode(errors="replace")
        for secret in SECRETS:
            assert secret not in text, (persona, url)
