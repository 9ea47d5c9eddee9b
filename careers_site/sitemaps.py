"""sitemap.xml of the careers site: the job board and every open vacancy."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from ats.models import Vacancy
from ats.selectors import open_vacancies

BOARD = "board"


class VacancySitemap(Sitemap):
    """The board first, then the open vacancies.

    The board is an item of this one sitemap (rather than a sitemap of its own) so that
    its lastmod, the newest change among the open vacancies, comes from the same query;
    the URLconf keeps its single "vacancies" section. `/careers/` stands for the board,
    which `/` shows too.
    """

    changefreq = "daily"
    _board_lastmod: datetime | None = None

    def items(self) -> list[Vacancy | str]:
        vacancies = list(
            open_vacancies().select_related(None).only("reference", "updated_at").order_by("pk")
        )
        self._board_lastmod = max((vacancy.updated_at for vacancy in vacancies), default=None)
        return [BOARD, *vacancies]

    def location(self, item: Vacancy | str) -> str:
        if item == BOARD:
            return reverse("careers_site:board")
        return item.get_absolute_url()

    def lastmod(self, item: Vacancy | str) -> datetime | None:
        if item == BOARD:
            return self._board_lastmod
        return item.updated_at

    def priority(self, item: Vacancy | str) -> float:
        return 1.0 if item == BOARD else 0.8
