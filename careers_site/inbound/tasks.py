"""Thin Celery adapter for the inbound channel's replies. Takes an id, never an address.

Imported by careers_site.apps (through the signal receivers), so that the worker
registers it."""

from __future__ import annotations

from celery import shared_task

from careers_site.inbound.reply import inbound_reply_send


@shared_task(
    name="careers_site.send_inbound_reply",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=8,
)
def send_inbound_reply(inbound_id: int) -> None:
    inbound_reply_send(inbound_id=inbound_id)
