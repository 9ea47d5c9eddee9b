from __future__ import annotations

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from careers_site.feeds import OpenVacanciesFeed
from careers_site.page_cache import public_page
from careers_site.selfservice import views as selfservice
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
    # The applicant's self-service (careers_site/selfservice/, docs/self-service.md).
    path("my-data/", selfservice.my_data, name="my_data"),
    path("my-data/sign-in/<str:token>/", selfservice.sign_in, name="my_data_sign_in"),
    path("my-data/sign-out/", selfservice.sign_out_view, name="my_data_sign_out"),
    path("my-data/export/", selfservice.export_start, name="my_data_export"),
    path("my-data/exports/<uuid:pk>/", selfservice.export_download, name="my_data_export_download"),
    path("my-data/contact/", selfservice.contact, name="my_data_contact"),
    path(
        "my-data/consent/<int:pk>/withdraw/",
        selfservice.consent_withdraw,
        name="my_data_consent_withdraw",
    ),
    path("my-data/erase/<str:which>/", selfservice.erase, name="my_data_erase"),
    path("my-data/restrict/", selfservice.restrict, name="my_data_restrict"),
    path(
        "my-data/requests/<str:token>/confirm/",
        selfservice.request_confirm,
        name="request_confirm",
    ),
    path("my-data/consents/<str:token>/withdraw/", consents.withdraw, name="consent_withdraw"),
    path(
        "my-data/applications/<str:token>/special-category/",
        special_category.special_category,
        name="special_category",
    ),
]
