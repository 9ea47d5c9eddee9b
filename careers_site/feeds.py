"""Atom feed of the open vacancies, for feed readers and job aggregators."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext

from ats.models import Vacancy
from ats.selectors import open_vacancies

FEED_SIZE = 100


class OpenVacanciesFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return gettext("Open positions at %(site_name)s") % {"site_name": settings.ATS_SITE_NAME}

    def subtitle(self) -> str:
        return gettext("The latest open positions at %(site_name)s.") % {
            "site_name": settings.ATS_SITE_NAME
        }

    def link(self) -> str:
        return reverse("careers_site:board")

    def author_name(self) -> str:
        return settings.ATS_SITE_NAME

    def items(self) -> QuerySet[Vacancy]:
        return open_vacancies().order_by("-published_at", "pk")[:FEED_SIZE]

    def item_title(self, item: Vacancy) -> str:
        # An Atom <title> without a type is text: the XML writer escapes it, and a
        # reader shows "<b>" in a title as those characters.
        return item.title

    def item_description(self, item: Vacancy) -> str:
        # Atom1Feed writes this as <summary type="html">: plain text must become HTML.
        return escape(item.summary or Truncator(item.description).chars(300))

    def item_pubdate(self, item: Vacancy) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Vacancy) -> datetime:
        return item.updated_at

    def item_categories(self, item: Vacancy) -> list[str]:
        return [item.department.name]
