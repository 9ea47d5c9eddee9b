"""sitemap.xml of the careers site (to be completed)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap

from ats.selectors import open_vacancies


class VacancySitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return open_vacancies().order_by("pk")

    def lastmod(self, item):
        return item.updated_at
