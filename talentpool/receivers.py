"""The pool search keeps its index current by listening (connected in
talentpool.apps.ready()): a document stored at intake or found clean on its rescan, an
entry created or changed, an indexed text deleted, a candidate's name or email changed.
A receiver never fails the write that triggered it: a search that misses a document is
better than a lost application; the failure is logged by id."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save

from ats.models import Candidate, Document
from ats.signals import document_scanned_clean, document_stored
from talentpool.models import DocumentText, TalentPoolEntry

logger = logging.getLogger(__name__)


def on_document_stored(sender, *, document: Document, plaintext, **kwargs) -> None:
    from talentpool.search import document_stored_index

    try:
        document_stored_index(document=document, plaintext=plaintext)
    except Exception as exc:
        logger.warning("pool search: document %s not indexed (%s)", document.pk, type(exc).__name__)


def on_document_scanned_clean(sender, *, document: Document, **kwargs) -> None:
    """A document that was pending at intake is clean now: the member's search finds it."""
    from talentpool.search import document_scanned_index

    try:
        document_scanned_index(document=document)
    except Exception as exc:
        logger.warning("pool search: document %s not indexed (%s)", document.pk, type(exc).__name__)


def on_entry_saved(sender, *, instance: TalentPoolEntry, created: bool, **kwargs) -> None:
    from talentpool.search import entry_vector_update, pool_index_entry

    if kwargs.get("raw") or instance.ended_at is not None:
        return  # an ended entry's search data is cleared by talentpool.services
    try:
        if created:
            pool_index_entry(instance)
        else:
            entry_vector_update(instance)
    except Exception as exc:
        logger.warning("pool search: entry %s not indexed (%s)", instance.pk, type(exc).__name__)


def on_text_deleted(sender, *, instance: DocumentText, **kwargs) -> None:
    """A document erased (its application went) takes its words out of the vector."""
    from talentpool.search import entry_vector_update

    entry = (
        TalentPoolEntry.objects.filter(pk=instance.entry_id, ended_at=None)
        .select_related("candidate")
        .first()
    )
    if entry is not None:
        entry_vector_update(entry)


def on_candidate_saved(sender, *, instance: Candidate, created: bool, **kwargs) -> None:
    from talentpool.search import entry_vector_update

    if created or kwargs.get("raw"):
        return
    for entry in TalentPoolEntry.objects.filter(candidate=instance, ended_at=None):
        entry.candidate = instance
        entry_vector_update(entry)


def connect() -> None:
    document_stored.connect(on_document_stored, dispatch_uid="talentpool-index-document")
    document_scanned_clean.connect(
        on_document_scanned_clean, dispatch_uid="talentpool-index-rescanned"
    )
    post_save.connect(on_entry_saved, sender=TalentPoolEntry, dispatch_uid="talentpool-index")
    post_delete.connect(on_text_deleted, sender=DocumentText, dispatch_uid="talentpool-unindex")
    post_save.connect(on_candidate_saved, sender=Candidate, dispatch_uid="talentpool-profile")
