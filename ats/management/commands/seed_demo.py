from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ats.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create demo vacancies in two departments, one staff user per role (hr, "
        "hiring_manager, management) and sample applications at several stages. "
        "Idempotent: what exists is left as it is. Passwords are generated once, "
        "kept in <var dir>/demo-logins.txt (mode 0600) and printed. Development instances only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even though ATS_DEBUG is off (never on a real instance).",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        if not settings.DEVELOPMENT and not allow_production:
            raise CommandError(
                "seed_demo creates demo logins; run it on a development instance "
                "(ATS_DEBUG=1) or pass --allow-production."
            )
        report = seed_demo()
        if report.existing_logins:
            self.stdout.write("Demo logins:")
        logins_file = Path(settings.VAR_DIR) / "demo-logins.txt"
        if report.new_logins:
            logins_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for username, role, password in report.new_logins:
                    f.write(f"{role:16} {username:18} {password}\n")
            self.stdout.write(f"Demo logins (new; also kept in {logins_file}):")
            for username, role, password in report.new_logins:
                self.stdout.write(f"  {role:16} user {username:18} password {password}")
        known = _read_logins(logins_file)
        for username, role in report.existing_logins:
            password = known.get(username, "(unchanged; set by an operator)")
            self.stdout.write(f"  {role:16} user {username:18} password {password}")
        self.stdout.write(
            f"seed_demo: {report.created_vacancies} vacancies and "
            f"{report.created_applications} applications created."
        )


def _read_logins(path: Path) -> dict[str, str]:
    """The passwords this command generated earlier, by user name."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    return {parts[1]: parts[2] for line in lines if len(parts := line.split()) == 3}
