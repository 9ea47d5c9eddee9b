from __future__ import annotations

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from careers_site.feeds import OpenVacanciesFeed
from careers_site.sitemaps import VacancySitemap
from careers_site.views import board

app_name = "careers_site"

urlpatterns = [
    path("", board.board, name="home"),
    path("careers/", board.board, name="board"),
    path("careers/feed.atom", OpenVacanciesFeed(), name="feed"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"vacancies": VacancySitemap}},
        name="sitemap",
    ),
    path("careers/<str:reference>/", board.vacancy_detail, name="vacancy"),
]
