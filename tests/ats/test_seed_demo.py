from __future__ import annotations

import stat

import pytest
from django.core.management import CommandError, call_command

from ats.models import Application, Stage, Vacancy


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEVELOPMENT = True
    return tmp_path


def test_it_seeds_vacancies_staff_and_applications_once(db, var_dir, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (Vacancy.objects.count(), Application.objects.count())
    assert counts[0] >= 4 and counts[1] >= 6
    assert Vacancy.objects.values("department").distinct().count() == 2
    kinds = set(Application.objects.values_list("stage__kind", flat=True))
    assert {Stage.Kind.NEW, Stage.Kind.INTERVIEW, Stage.Kind.HIRED} <= kinds
    for role in ("hr", "hiring_manager", "management"):
        assert role in first
    logins = var_dir / "demo-logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600

    call_command("seed_demo")
    second = capsys.readouterr().out
    assert (Vacancy.objects.count(), Application.objects.count()) == counts
    assert "0 vacancies and 0 applications created" in second
    # the printed credentials are the ones that work
    password = next(line.split()[-1] for line in second.splitlines() if "demo-hr " in line)
    from django.contrib.auth import authenticate

    assert authenticate(username="demo-hr", password=password) is not None


def test_it_refuses_to_seed_a_production_instance(db, var_dir, settings):
    settings.DEVELOPMENT = False
    with pytest.raises(CommandError, match="development instance"):
        call_command("seed_demo")
    assert not Vacancy.objects.exists()
