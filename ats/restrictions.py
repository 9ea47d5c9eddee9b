"""Restriction of processing (Art. 18 GDPR): a restricted application is frozen. It is
kept, but nothing is done with it: no stage moves, no emails, and it leaves every list,
board and search of the workspace until HR lifts the restriction from the request desk
(ats.services.requests). The checks live here once; the services that move or email an
application call `refuse_if_restricted`, the selectors use `unrestricted`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from ats.models import Application, Restriction


def restricted() -> Exists:
    """True for an application under a restriction that is not lifted (a subquery, so a
    list adds no join and no duplicate rows)."""
    return Exists(Restriction.objects.filter(application=OuterRef("pk"), lifted_at=None))


def unrestricted() -> Q:
    """Not under a restriction that is not lifted, said as `id NOT IN (the restricted
    ids)` rather than `NOT EXISTS`: PostgreSQL reads the few restricted ids once into a
    hash and probes it per application, where it planned the NOT EXISTS as a nested loop
    over the restrictions for every application (3 ms of a 5,000-application count,
    against under 1 ms; docs/benchmarks.md). Restriction.application is not nullable, so
    NOT IN cannot meet a NULL."""
    return ~Q(pk__in=Restriction.objects.filter(lifted_at=None).values("application_id"))


def is_restricted(application: Application | int) -> bool:
    pk = application if isinstance(application, int) else application.pk
    return Restriction.objects.filter(application=pk, lifted_at=None).exists()


def refuse_if_restricted(application: Application | int) -> None:
    if is_restricted(application):
        raise ValidationError(
            _(
                "This application is restricted at the applicant's request: it cannot be "
                "moved or emailed until HR lifts the restriction."
            )
        )
