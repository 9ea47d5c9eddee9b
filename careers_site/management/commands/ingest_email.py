from __future__ import annotations

import mailbox
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careers_site.inbound.ingest import InboundDeferred, inbound_message_ingest

_MBOX_START = b"From "


class Command(BaseCommand):
    help = (
        "Ingest emailed applications from .eml files (one message each) or mbox files, "
        "for operators who fetch mail themselves: the same rules as the ESP webhooks. "
        "Auto-replies, bounces and list mail are ignored without a reply; a Message-ID "
        "seen before is skipped; oversized messages and those with too many files are "
        "refused with a reply. A message that could not be stored (storage down) is "
        "reported and the command exits with an error: run it again on the same files."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help=".eml or mbox files")

    def handle(self, *args, files: list[str], **options) -> None:
        counts: Counter[str] = Counter()
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file.")
            for raw in _messages(path):
                try:
                    result = inbound_message_ingest(message=raw, source="command")
                except InboundDeferred:
                    counts["deferred"] += 1
                    continue
                counts[result.outcome] += 1
        summary = ", ".join(
            f"{counts[outcome]} {outcome}"
            for outcome in ("accepted", "refused", "silenced", "ignored", "duplicate", "deferred")
        )
        self.stdout.write(f"ingest_email: {sum(counts.values())} messages: {summary}.")
        if counts["deferred"]:
            raise CommandError(
                f"{counts['deferred']} messages could not be stored now; run the command "
                "again on the same files (messages already taken are skipped)."
            )


def _messages(path: Path):
    """The raw bytes of each message: an mbox starts with a "From " line."""
    with path.open("rb") as f:
        start = f.read(len(_MBOX_START))
    if start != _MBOX_START:
        yield path.read_bytes()
        return
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()
