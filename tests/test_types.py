"""The style rule "mypy-clean": model/ type-checks with zero errors (issue 23 item 7)."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_reports_no_errors_in_model(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    # The settings in pyproject.toml's [tool.mypy] (files = model/, ignore_missing_imports), a fresh cache so
    # the result does not depend on an earlier run's state.
    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"), str(ROOT / "model")]
    )
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors, f"mypy found {len(errors)} error(s):\n{stdout}{stderr}"
    assert "Success: no issues found" in stdout


def test_policy_union_lists_every_registered_policy() -> None:
    # model.policies.Policy is written out for the type checker; it must name exactly the registry's Params
    # (a policy module added to _MODULES but not to the union would not parse from a scenario file).
    from model.policies import _MODULES, Policy

    union = get_args(Policy)[0]
    assert set(get_args(union)) == {mod.Params for mod in _MODULES}
    assert len(get_args(union)) == len(_MODULES)
