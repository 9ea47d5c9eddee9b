"""HR's and hiring managers' writes on the pool: the profile HR keeps (location,
skills, tags), sharing a member with vacancies, inviting a member to apply, offering a
past applicant membership. Keyword-only, atomic, audited (ids only); emails go out after
commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ats.models import Application, AuditEvent, Vacancy
from talentpool.invitations import invitation_send, membership_offer_send
from talentpool.models import TalentPoolEntry
from talentpool.search import clean_labels
from talentpool.selectors import current_pool_entries, offer_candidates


@transaction.atomic
def pool_entry_update_profile(
    *,
    entry: TalentPoolEntry,
    location: str,
    skills: Iterable[str],
    tags: Iterable[str],
    by: AbstractBaseUser,
) -> None:
    entry.location = " ".join(location.split())[:120]
    entry.skills = clean_labels(skills)
    entry.tags = clean_labels(tags)
    entry.save(update_fields=["location", "skills", "tags"])  # reindexed on save
    AuditEvent.record(actor=by, action="talent_pool_profile_changed", target=entry)


@transaction.atomic
def pool_entry_share(
    *, entry: TalentPoolEntry, vacancies: Iterable[Vacancy], by: AbstractBaseUser
) -> None:
    """Share the member with exactly these vacancies: their hiring managers see the
    member, and nobody else's managers do."""
    wanted = {vacancy.pk for vacancy in vacancies}
    before = set(entry.shared_with.values_list("pk", flat=True))
    entry.shared_with.set(wanted)
    AuditEvent.record(
        actor=by,
        action="talent_pool_shared",
        target=entry,
        added=sorted(wanted - before),
        removed=sorted(before - wanted),
    )


@transaction.atomic
def pool_invite_to_apply(*, entry: TalentPoolEntry, vacancy: Vacancy, by: AbstractBaseUser) -> None:
    """Email a current member an invitation to apply for an open vacancy: a link that
    pre-fills the form (careers_site's apply view). Nothing is applied for them."""
    if not vacancy.is_open:
        raise ValidationError(_("Only an open vacancy takes applications."))
    if not current_pool_entries().filter(pk=entry.pk).exists():
        raise ValidationError(_("This person is no longer in the talent pool."))
    AuditEvent.record(
        actor=by, action="talent_pool_invited_to_apply", target=entry, vacancy=vacancy.pk
    )
    entry_id, vacancy_id = entry.pk, vacancy.pk
    transaction.on_commit(lambda: invitation_send(entry_id=entry_id, vacancy_id=vacancy_id))


@transaction.atomic
def pool_offer_membership(*, application: Application, by: AbstractBaseUser) -> None:
    """Email a past applicant HR's offer to join the pool; they join only by confirming
    through the signed link (talentpool.views.join_offer)."""
    if not offer_candidates(by).filter(pk=application.pk).exists():
        raise ValidationError(_("This applicant cannot be offered membership."))
    AuditEvent.record(actor=by, action="talent_pool_offered", target=application)
    application_id = application.pk
    transaction.on_commit(lambda: membership_offer_send(application_id=application_id))


def shareable_vacancies():
    """Vacancies a member can be shared with: not closed (drafts included, so that a
    manager can look at candidates before the vacancy is published)."""
    return Vacancy.objects.exclude(status=Vacancy.Status.CLOSED).order_by("status", "title")
