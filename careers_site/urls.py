from __future__ import annotations

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from careers_site.feeds import OpenVacanciesFeed
from careers_site.page_cache import public_page
from careers_site.sitemaps import VacancySitemap
from careers_site.views import apply, board, consents, language, privacy, special_category

app_name = "careers_site"

urlpatterns = [
    path("", board.board, name="home"),
    path("careers/", board.board, name="board"),
    path("careers/feed.atom", public_page(OpenVacanciesFeed()), name="feed"),
    path("careers/apply/", apply.apply, name="apply_unsolicited"),
    path("careers/applied/", apply.applied, name="applied"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"vacancies": VacancySitemap}},
        name="sitemap",
    ),
    path("careers/<str:reference>/", board.vacancy_detail, name="vacancy"),
    path("careers/<str:reference>/apply/", apply.apply, name="apply"),
    path("language/<str:code>/", language.switch, name="language"),
    path("privacy/", privacy.privacy, name="privacy"),
    path("my-data/", privacy.my_data, name="my_data"),
    path("my-data/consents/<str:token>/withdraw/", consents.withdraw, name="consent_withdraw"),
    path(
        "my-data/applications/<str:token>/special-category/",
        special_category.special_category,
        name="special_category",
    ),
]
