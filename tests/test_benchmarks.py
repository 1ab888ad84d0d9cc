"""benchmarks/run.py --smallest runs end to end and writes its table with the Pyomo overhead ratio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_benchmark_smallest_writes_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smallest", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "overhead ratio" in proc.stdout
    text = out.read_text()
    assert "| size | candidates | rows | columns | nonzeros |" in text
    assert "| ratio |" in text
    de_row = next(line for line in text.splitlines() if line.startswith("| DE |"))
    cells = [c.strip() for c in de_row.strip("|").split("|")]
    assert cells[1] == "3"  # Delaware's three counties
    assert cells[15].endswith("×") and float(cells[15].rstrip("×")) > 0
    assert cells[16] == "yes" and cells[19] == "yes"  # counts equal, objectives agree
    assert "Machine:" in text and "highspy" in text
    # The before/after table: the pipeline's route and three 'before' routes, each with its ratio.
    before = text.split("## Before and after")[1]
    de_before = next(line for line in before.splitlines() if line.startswith("| DE |"))
    ratios = [c.strip() for c in de_before.strip("|").split("|")][3::2]
    assert len(ratios) == 4 and all(float(r.rstrip("×")) > 0 for r in ratios)
