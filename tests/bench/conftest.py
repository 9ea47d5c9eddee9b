"""Benchmarks: each reports a ratio against a baseline measured in the same run.

Run with `make bench`. Results are printed and appended to var/bench/results.jsonl.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[2] / "var" / "bench" / "results.jsonl"


@pytest.fixture
def report(request):
    def _report(**figures: object) -> None:
        row = {"benchmark": request.node.name, "at": time.time(), "cpu": platform.processor()}
        row.update(figures)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print()
        for key, value in figures.items():
            shown = f"{value:,.3f}" if isinstance(value, float) else value
            print(f"  {key:40} {shown}")

    return _report
