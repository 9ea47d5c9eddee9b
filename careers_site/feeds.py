"""Atom feed of open vacancies (to be completed)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from ats.selectors import open_vacancies


class OpenVacanciesFeed(Feed):
    feed_type = Atom1Feed
    title = "Open positions"
    link = "/careers/"
    subtitle = "Open positions"

    def items(self):
        return open_vacancies().order_by("-published_at")[:100]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary
