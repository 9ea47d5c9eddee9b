from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from anonymizer import rules
from anonymizer.services import enforce_retention


def parse_instant(value: str) -> datetime:
    """An ISO-8601 date or date and time; without an offset it is in TIME_ZONE."""
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--now: {value!r} is not an ISO-8601 date or time, "
            "for example 2027-03-01 or 2027-03-01T03:30:00+01:00."
        ) from None
    if timezone.is_naive(instant):
        instant = instant.replace(tzinfo=rules.site_zone())
    return instant


class Command(BaseCommand):
    help = (
        "Apply the retention rules as of an instant (default: now). An application is "
        "erased, after its anonymised statistic is written, six calendar months (the "
        "ATS_APPLICATION_RETENTION_MONTHS setting) after its decision was communicated; "
        "a hired applicant's data is kept until HR ends the employment and then for the "
        "same period; the talent pool keeps a candidate while their consent is valid; a "
        "legal hold suspends erasure to its end. Special-category answers without an "
        "active consent are erased at once. Applications without a decision are never "
        "erased here; those idle too long are counted for HR. Prints one line per rule "
        "and a summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="The instant to apply the rules as of, ISO-8601 (without an offset: in "
            "TIME_ZONE). Default: the current time.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count per rule what would be erased; change nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Applications read per batch (default 1000).",
        )

    def handle(self, *args: object, **options: object) -> None:
        now = options["now"]
        if isinstance(now, str):
            now = parse_instant(now)
        batch_size = options["batch_size"]
        if not isinstance(batch_size, int) or batch_size < 1:
            raise CommandError("--batch-size must be a positive whole number.")
        report = enforce_retention(now=now, dry_run=options["dry_run"], batch_size=batch_size)

        verb = "would be erased" if report.changes_nothing else "erased"
        for rule in rules.ERASING_RULES:
            self.stdout.write(f"{rule}: {report.erased[rule]} {verb}")
        self.stdout.write(
            f"{rules.NO_DECISION}: {report.idle_undecided} idle without a decision, "
            "listed for HR (not erased)"
        )
        when = report.now.astimezone(rules.site_zone()).isoformat(timespec="seconds")
        if report.suspended:
            self.stdout.write(
                self.style.WARNING(
                    f"Retention is suspended (ATS_RETENTION_SUSPENDED) as of {when}: "
                    f"nothing erased, {report.total} due."
                )
            )
        elif report.dry_run:
            self.stdout.write(
                f"Dry run as of {when}: {report.total} would be erased; nothing changed."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Retention run {report.run_id} as of {when}: {report.total} erased, "
                    f"{report.skipped} skipped, {report.failures} failed, "
                    f"{report.storage_failures} storage deletions failed (left to the orphan "
                    "reconciler)."
                )
            )
        if report.failures:
            raise CommandError(
                f"{report.failures} records could not be erased (rolled back; see the log). "
                "The next run tries them again."
            )
