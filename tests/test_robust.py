"""The policy-risk workflow (model/workflows/robust.py) on the tiny instance, derived by hand.

The tiny instance (tests/conftest.py): budget $60M, $5M fixed per site, no energy cost, no minimum campus.
GPU A: $10M, 1 MW, 100 PFLOPS per block; B: $15M, 2 MW, 160 PFLOPS. Sites: S1 (XA) 4 MW, S2 (XB) 6 MW,
S3 (XC) 0 MW; tier T1 adds 10 MW for $20M. Best second stage for each first stage (sites built), in
two scenarios "calm" (the base) and "ban" (a moratorium in XB, so S2 may be built but stays empty):

    first stage    calm                                   ban
    {S2}           1 B + 4 A = 560   ($5M fixed, $55M)    0   (S2 stranded, nothing else built)
    {S1}           4 A = 400         (4 MW binds)         400
    {S1, S2}       2 B + 2 A = 520   ($10M fixed, $50M)   4 A at S1 = 400 ($50M, 4 MW binds)
    {S3}+T1        1 B + 2 A = 360   ($25M, $35M left)    360
    {S1, S3}+T1    2 B = 320         ($30M left)          320
    {S2, S3}+T1    2 B = 320                              320
    all three      <= 1 B + 1 A = 260                     <= 260

Wait-and-see optima: calm 560 ({S2}), ban 400 ({S1}).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.core.errors import ScenarioError
from model.workflows.robust import load_risks, robust_context, robust_report_section, run_robust
from tests.conftest import solve_tiny, tiny_inputs, tiny_scenario

BAN = '[[scenarios.policies]]\ntype = "moratorium"\nstates = ["XB"]\n'


def _risks(tmp_path: Path, text: str, name: str = "risks.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _two(p_ban: float) -> str:
    return (
        f'[[scenarios]]\nname = "calm"\nprobability = {1 - p_ban!r}\n'
        f'[[scenarios]]\nname = "ban"\nprobability = {p_ban!r}\nimitates = "a test moratorium"\n{BAN}'
    )


def _run(tmp_path: Path, text: str, objective: str = "expected", base=None) -> dict:
    risks = _risks(tmp_path, text)
    return run_robust(
        base or tiny_scenario(), risks, tmp_path / "out", objective=objective, inputs_for=lambda sc: tiny_inputs(sc)
    )


def test_one_scenario_equals_the_deterministic_optimum(tmp_path: Path) -> None:
    # One scenario with probability 1: the extensive form is the deterministic model (560 at S2).
    det = solve_tiny().summary
    r = _run(tmp_path, '[[scenarios]]\nname = "only"\nprobability = 1.0\n')
    assert det["objective"] == pytest.approx(560.0, abs=1e-9)
    for key in ("RP", "EEV", "WS"):
        assert r[key] == pytest.approx(det["objective"], abs=1e-9)
    assert r["VSS"] == pytest.approx(0.0, abs=1e-9) and r["EVPI"] == pytest.approx(0.0, abs=1e-9)
    assert r["solutions"]["stochastic"]["first_stage_sites"] == ["S2"]
    assert r["solutions"]["stochastic"]["per_scenario"]["only"]["compute_pflops"] == det["compute_pflops"]


def test_one_changed_scenario_equals_its_deterministic_optimum(tmp_path: Path) -> None:
    # A moratorium in XB with certainty: S1 with 4 A = 400, as the deterministic model with that policy.
    det = solve_tiny(tiny_scenario(policies=[{"type": "moratorium", "states": ["XB"]}])).summary
    r = _run(tmp_path, f'[[scenarios]]\nname = "ban"\nprobability = 1.0\n{BAN}')
    assert det["objective"] == pytest.approx(400.0)
    assert r["RP"] == pytest.approx(det["objective"], abs=1e-9)
    # $10M of budget is left over, so building an empty S3 too is an alternative optimum: compare what is used.
    ban = r["solutions"]["stochastic"]["per_scenario"]["ban"]
    assert ban["compute_pflops"] == det["compute_pflops"] and ban["facility_mw"] == det["facility_mw"]


def test_vss_and_evpi_by_hand(tmp_path: Path) -> None:
    # p(calm) = 0.7, p(ban) = 0.3 (table in the module docstring).
    # WS  = 0.7 x 560 + 0.3 x 400 = 512.
    # Mean-value scenario: the moratorium is a structural risk with p = 0.3 < 0.5, so it is left out: the
    #   mean scenario is the base, whose optimum builds {S2}. EEV = 0.7 x 560 + 0.3 x 0 = 392.
    # RP: expected value of each first stage: {S2} 392, {S1} 400, {S1, S2} 0.7 x 520 + 0.3 x 400 = 484,
    #   {S3} 360, {S1, S3} 320, {S2, S3} 320, all three <= 260: RP = 484 at {S1, S2}.
    # VSS = RP - EEV = 92; EVPI = WS - RP = 28. Regrets of the stochastic solution: calm 40, ban 0.
    r = _run(tmp_path, _two(0.3))
    assert r["WS"] == pytest.approx(512.0)
    assert r["EEV"] == pytest.approx(392.0)
    assert r["RP"] == pytest.approx(484.0)
    assert r["VSS"] == pytest.approx(92.0)
    assert r["EVPI"] == pytest.approx(28.0)
    st, mv = r["solutions"]["stochastic"], r["solutions"]["mean_value"]
    assert st["first_stage_sites"] == ["S1", "S2"] and mv["first_stage_sites"] == ["S2"]
    assert st["per_scenario"]["calm"]["objective"] == pytest.approx(520.0)
    assert st["per_scenario"]["calm"]["regret"] == pytest.approx(40.0)
    assert st["per_scenario"]["ban"]["regret"] == pytest.approx(0.0)
    assert mv["per_scenario"]["ban"]["objective"] == pytest.approx(0.0)
    assert mv["per_scenario"]["ban"]["regret"] == pytest.approx(400.0)
    assert r["mean_value_scenario"]["policies_left_out"][0]["states"] == ["XB"]
    # The files: robust.json equals the result; one sites table per solution and scenario.
    out = tmp_path / "out"
    assert json.loads((out / "robust.json").read_text())["VSS"] == r["VSS"]
    for kind in ("stochastic", "mean_value", "perfect_information"):
        assert {p.name for p in (out / "sites" / kind).iterdir()} == {"calm.csv", "ban.csv"}
    assert (out / "robust.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text(encoding="utf-8")  # the robust section as a page of its own
    assert page.startswith("<!DOCTYPE html>") and "VSS" in page and "src=\"http" not in page
    assert "VSS" in robust_report_section(r) and "<section" in robust_report_section(r)
    # The page's context holds these numbers (model/templates/robust_section.html.j2 prints them).
    ctx = robust_context(r)
    assert {c["key"]: c["value"] for c in ctx["cards"]} == {k: r[k] for k in ("RP", "EEV", "VSS", "WS", "EVPI")}
    assert [(row["name"], row["probability"]) for row in ctx["rows"]] == [("calm", 0.7), ("ban", 0.3)]
    calm = dict(zip(ctx["solution_labels"], ctx["rows"][0]["cells"]))
    assert calm["stochastic (RP)"]["objective"] == pytest.approx(520.0) and calm["stochastic (RP)"]["regret"] == pytest.approx(40.0)
    assert ctx["expected"][0] == {"objective": r["RP"], "max_regret": st["max_regret"]}
    assert ctx["first_stages"][:2] == [{"label": "stochastic (RP)", "sites": ["S1", "S2"]}, {"label": "mean-value (EEV)", "sites": ["S2"]}]


def test_minmax_regret_by_hand(tmp_path: Path) -> None:
    # p(ban) = 0.05. Expected value: {S2} 0.95 x 560 = 532 beats {S1, S2} 0.95 x 520 + 0.05 x 400 = 514, so
    # the stochastic solution is {S2}, whose regret in "ban" is 400.
    # Max regret (WS: calm 560, ban 400), independent of p: {S2} max(0, 400) = 400, {S1} max(160, 0) = 160,
    #   {S1, S2} max(40, 0) = 40, {S3} max(200, 40) = 200, {S1, S3} and {S2, S3} max(240, 80) = 240, all three
    #   >= 300: the min-max-regret first stage is {S1, S2} with a maximum regret of 40.
    r = _run(tmp_path, _two(0.05), objective="minmax_regret")
    st, mm = r["solutions"]["stochastic"], r["solutions"]["minmax_regret"]
    assert st["first_stage_sites"] == ["S2"]
    assert r["RP"] == pytest.approx(532.0)
    assert st["max_regret"] == pytest.approx(400.0)
    assert mm["first_stage_sites"] == ["S1", "S2"]
    assert mm["max_regret"] == pytest.approx(40.0)
    assert mm["expected_objective"] == pytest.approx(514.0)
    assert mm["per_scenario"]["calm"]["objective"] == pytest.approx(520.0)


def test_mean_value_scenario_averages_numbers(tmp_path: Path) -> None:
    # Budget x 0.5 (p 0.5) or x 1.5 (p 0.5): the mean scenario has the base budget ($60M: 560 at S2);
    # a moratorium with p = 0.5 counts as more likely than not and is kept in the mean scenario.
    text = (
        '[[scenarios]]\nname = "poor"\nprobability = 0.5\nbudget_multiplier = 0.5\n'
        f'[[scenarios]]\nname = "rich"\nprobability = 0.5\nbudget_multiplier = 1.5\n{BAN}'
    )
    r = _run(tmp_path, text)
    mean = r["mean_value_scenario"]
    assert mean["budget_multiplier"] == pytest.approx(1.0)
    assert [p["states"] for p in mean["policies_included"]] == [["XB"]]
    # Mean scenario: $60M with S2 banned: S1 with 4 A = 400.
    assert r["solutions"]["mean_value"]["mean_scenario_objective"] == pytest.approx(400.0)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[[scenarios]]\nname = "a"\nprobability = 1.0\ncolour = "red"\n', "scenarios.0.colour: unknown key"),
        ('[[scenarios]]\nname = "a"\nprobability = 0.0\n', "scenarios.0.probability"),
        ('[[scenarios]]\nname = "a"\nprobability = 1.5\n', "scenarios.0.probability"),
        ('[[scenarios]]\nname = "a"\nprobability = 0.5\n[[scenarios]]\nname = "b"\nprobability = 0.4\n', "scenarios.probability: the probabilities sum to 0.9"),
        ('[[scenarios]]\nname = "a"\nprobability = 0.5\n[[scenarios]]\nname = "a"\nprobability = 0.5\n', "scenarios.name: 'a' appears 2 times"),
        ('[[scenarios]]\nname = "a"\nprobability = 1.0\n[[scenarios.policies]]\ntype = "exclude"\nstates = ["XB"]\n', "use 'moratorium'"),
        ('[[scenarios]]\nname = "a"\nprobability = 1.0\n[[scenarios.electricity_price]]\nmultiplier = -1\n', "scenarios.0.electricity_price.0.multiplier"),
        ("scenarios = 3\n", "scenarios"),
        ("[[scenarios]\n", "malformed TOML"),
    ],
)
def test_risk_file_errors_are_one_line_naming_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = _risks(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_risks(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path)) and field in message


def test_risk_errors_found_with_the_base_name_the_scenario(tmp_path: Path) -> None:
    # A price change in a state without candidates, and a demand target on a max_compute base: both are
    # refused before any solve, naming the file and the scenario's field; nothing is written.
    bad_state = '[[scenarios]]\nname = "a"\nprobability = 1.0\n[[scenarios.electricity_price]]\nstates = ["TX"]\nmultiplier = 1.2\n'
    with pytest.raises(ScenarioError, match=r"risks\.toml: scenarios\.0 \(a\): electricity_price\.0\.states"):
        _run(tmp_path, bad_state)
    target = '[[scenarios]]\nname = "a"\nprobability = 1.0\ntarget_pflops = 100\n'
    with pytest.raises(ScenarioError, match=r"scenarios\.0 \(a\): target_pflops: a demand target needs a min_cost base"):
        _run(tmp_path, target)
    assert not (tmp_path / "out").exists()


def test_shipped_risk_file_is_valid() -> None:
    from tests.conftest import REPO

    risks = load_risks(REPO / "runs" / "risks" / "policy-risk.toml")
    assert 1 < len(risks.scenarios) <= 6
    assert all(r.imitates for r in risks.scenarios)
    assert (REPO / "runs" / "risks" / risks.base).resolve().is_file()


def test_cli_robust_contract(tmp_path: Path) -> None:
    # A broken risk file is refused in one line before anything is solved, and nothing is written.
    from typer.testing import CliRunner

    from model.cli import app

    base = tmp_path / "b.toml"
    base.write_text('name = "b"\n[candidates]\nstates = ["DE"]\n[budget]\nequity_usd = 1e9\n')
    risks = tmp_path / "r.toml"
    risks.write_text('[[scenarios]]\nname = "a"\nprobability = 0.5\n[[scenarios]]\nname = "a"\nprobability = 0.5\n')
    result = CliRunner().invoke(app, ["robust", str(base), "--risks", str(risks)])
    assert result.exit_code == 2 and "r.toml" in result.output and len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.toml", "r.toml"]
