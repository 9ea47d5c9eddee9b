"""An application's erasure date and the rule behind it, for the pages that show them.

The rules live in the retention engine (anonymizer.rules); ats may not import it, so
the engine registers its function here when it loads (anonymizer.apps)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ats.models import Application

RULE_LABELS = {
    "application": _(
        "the application rule: the set number of months after the decision was communicated"
    ),
    "hired": _("hired: kept for the employment, then the application rule"),
    "talent_pool": _("the talent pool: kept while the pool consent is valid"),
    "legal_hold": _("a legal hold"),
    "no_decision": _("no decision yet: listed for HR when idle, never erased undecided"),
    "special_category_without_consent": _("special-category data without a valid consent"),
    "talent_pool_ended": _("the talent pool: a pool-only application after its entry ended"),
    "talent_pool_withdrawn": _("the talent pool: consent withdrawn, erased at once"),
    "erasure_request": _("the person's own erasure request (self-service), erased at once"),
}


@dataclass(frozen=True)
class Erasure:
    rule: str
    due_at: datetime | None  # None: kept while the rule holds

    @property
    def label(self) -> str:
        return str(RULE_LABELS.get(self.rule, self.rule))


_provider: Callable[[Application, datetime], object] | None = None


def register(provider: Callable[[Application, datetime], object]) -> None:
    """Called by the retention engine: provider(application, now) returns an object
    with `rule` and `due_at`."""
    global _provider
    _provider = provider


def erasure_of(application: Application) -> Erasure | None:
    if _provider is None:
        return None
    deadline = _provider(application, timezone.now())
    return Erasure(rule=deadline.rule, due_at=deadline.due_at)
