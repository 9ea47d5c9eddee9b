from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ats.vault.keys import documents_rewrap, keyring_add_key, keyring_retire_key


class Command(BaseCommand):
    help = (
        "Add a new key-encryption key to the keyring file, make it active, and re-wrap "
        "every document's data key under it in committed batches (file contents are never "
        "read or rewritten). Safe to rerun after an interruption. Old keys stay readable "
        "until --retire removes one that no data key uses any more."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rewrap-only",
            action="store_true",
            help="Add no key; re-wrap under the keyring's active key (after changing "
            "ATS_KEYRING yourself, or to finish an interrupted run).",
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--retire", metavar="KEY_ID", help="Remove an unused old key.")

    def handle(self, *args, rewrap_only: bool, batch_size: int, retire: str | None, **options):
        try:
            if retire:
                keyring_retire_key(retire)
                self.stdout.write(f"rotate_keys: key {retire} retired.")
                return
            if not rewrap_only:
                key_id = keyring_add_key()
                self.stdout.write(f"rotate_keys: added key {key_id}, now active.")
        except (ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from None
        report = documents_rewrap(batch_size=batch_size)
        in_use = ", ".join(f"{k}: {n}" for k, n in sorted(report.keys_in_use.items())) or "none"
        self.stdout.write(
            f"rotate_keys: re-wrapped {report.rewrapped} data keys in {report.seconds:.2f} s "
            f"({report.per_second:.0f}/s); documents per key: {in_use}."
        )
