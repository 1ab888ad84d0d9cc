"""The scenario form, generated from the scenario schema (``Scenario.model_json_schema()``).

The form edits the common fields of a scenario chosen as a starting point (its TOML with ``extends``
merged, read by the CLI's own reader); everything else in that file is kept as it is. Each field's
widget, default and bounds come from the JSON schema of ``model.config.Scenario``; the answer is
validated by the same pydantic model the CLI's loader uses, and each validation error is attached to
the field (or group of fields) it names.
"""

from __future__ import annotations

import copy
import math
import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import tomli_w
from pydantic import BaseModel, ValidationError

from model.config import DEFAULT_GPU_TYPES, Scenario
from model.core.schema import CONTIGUOUS_STATES

Kind = Literal["str", "text", "enum", "bool", "int", "float", "choices"]
# Fields the form shows (dotted paths into the scenario) with a label and a line of help; widget,
# default and bounds come from the schema. Group names are the scenario's tables.
FIELDS: list[tuple[str, str, str]] = [
    ("name", "Name", "names the run folder and the scenario file; letters, digits, '_', '.', '-'"),
    ("description", "Description", "free text, shown in the library"),
    ("objective.sense", "Objective", "max_compute: most PFLOPS for the budget; min_cost: cheapest way to a target"),
    ("objective.target_pflops", "Target PFLOPS", "min_cost only: one target"),
    ("objective.target_gpus", "Target GPUs", "min_cost only: one target"),
    ("objective.target_it_mw", "Target IT MW", "min_cost only: one target"),
    ("budget.equity_usd", "Equity (USD)", "e.g. 2e9 for $2bn; leave equity and debt empty for no budget"),
    ("budget.debt_usd", "Debt (USD)", "the budget is equity + debt"),
    ("budget.include_opex", "Count energy bills against the budget", "the present value of energy over the horizon"),
    ("candidates.states", "States", "campuses only in these states; none ticked: all of the contiguous US"),
    ("gpus.types", "GPU types", "the GPU types the model may install"),
    ("solver.time_limit_s", "Time limit (s)", "HiGHS stops here and keeps its best plan"),
    ("solver.mip_gap", "MIP gap", "e.g. 0.01: stop within 1 % of the best possible"),
    ("solver.threads", "Threads", "solver threads"),
]
GROUPS: list[tuple[str, str]] = [
    ("", "Scenario"), ("objective", "Objective"), ("budget", "Budget"), ("candidates", "Region"),
    ("gpus", "GPUs"), ("policies", "Policies"), ("solver", "Solver"),
]
POLICIES = "policies"
TOP = "_form"  # errors no field or group owns
# Relative paths in a scenario are read relative to the scenario file: rebased when the file moves.
_RELATIVE_PATHS = [("candidates", "path"), ("data", "shared_dir"), ("pathway", "roadmap")]
# Tables every scenario has (defaults apply when the file leaves them out); [budget] may be absent.
_ALWAYS_PRESENT = {"objective", "candidates", "gpus", "solver"}
MAX_MESSAGE_CHARS = 300
MAX_POLICIES_CHARS = 100_000


@dataclass
class FieldSpec:
    path: str
    label: str
    help: str
    kind: Kind
    choices: list[str] = field(default_factory=list)
    default: Any = None
    bounds: str = ""  # e.g. "> 0, ≤ 1e+14", for the hint under the field
    required: bool = False

    @property
    def group(self) -> str:
        return self.path.split(".", 1)[0] if "." in self.path else ""

    @property
    def input_id(self) -> str:
        return "f-" + self.path.replace(".", "-")


def _deref(schema: dict[str, Any], node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema node behind ``$ref`` / ``anyOf [X, null]``, and whether null is allowed."""
    nullable = False
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        node = options[0] if len(options) == 1 else node
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node, nullable


def _bounds(node: dict[str, Any]) -> str:
    marks = [("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"), ("maximum", "≤")]
    parts = [f"{sign} {node[key]:g}" for key, sign in marks if key in node]
    if "maxLength" in node:
        parts.append(f"at most {node['maxLength']} characters")
    return ", ".join(parts)


def _model_default(path: str) -> Any:
    """The default pydantic gives a field (default factories called), walking nested models by name."""
    model: Any = Scenario
    info = None
    for part in path.split("."):
        if model is None:
            return None
        info = model.model_fields[part]
        model = next((t for t in (info.annotation, *get_args(info.annotation)) if isinstance(t, type) and issubclass(t, BaseModel)), None)
    if info is None or info.is_required():
        return None
    return info.get_default(call_default_factory=True)


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return Scenario.model_json_schema()


def field_specs(gpu_choices: tuple[str, ...] = tuple(DEFAULT_GPU_TYPES)) -> list[FieldSpec]:
    """One spec per form field, read from the scenario's JSON schema."""
    schema = _schema()
    specs = []
    for path, label, help_text in FIELDS:
        node: dict[str, Any] = schema
        nullable = required = False
        for part in path.split("."):
            node, _ = _deref(schema, node)
            required = part in node.get("required", [])
            node, nullable = _deref(schema, node["properties"][part])
        kind: Kind
        choices: list[str] = []
        if "enum" in node:
            kind, choices = "enum", [str(c) for c in node["enum"]]
        elif node.get("type") == "boolean":
            kind = "bool"
        elif node.get("type") == "integer":
            kind = "int"
        elif node.get("type") == "number":
            kind = "float"
        elif node.get("type") == "array":
            kind = "choices"
            items, _ = _deref(schema, node.get("items", {}))
            choices = [str(c) for c in items.get("enum", [])]
        else:
            kind = "text" if path == "description" else "str"
        if path == "candidates.states":
            choices = sorted(CONTIGUOUS_STATES)
        elif path == "gpus.types":
            choices = list(gpu_choices)
        default = _model_default(path)
        specs.append(FieldSpec(path, label, help_text, kind, choices, default, _bounds(node), required and not nullable))
    return specs


# --- scenario <-> form values ---------------------------------------------------------------------

def _get(raw: dict[str, Any], path: str) -> Any:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = raw
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _show_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e6:
        return f"{value:.6g}"  # 2e9, not 2000000000.0
    return f"{value:g}" if isinstance(value, float) else str(value)


def form_values(raw: dict[str, Any], specs: list[FieldSpec]) -> dict[str, Any]:
    """What each field shows for a scenario: text, a bool, or a list of ticked choices."""
    values: dict[str, Any] = {}
    for spec in specs:
        value = _get(raw, spec.path)
        if value is None and (not spec.group or isinstance(raw.get(spec.group), dict) or spec.group in _ALWAYS_PRESENT):
            value = spec.default  # an optional table the scenario leaves out ([budget]) shows empty, not defaults
        if spec.kind == "bool":
            values[spec.path] = bool(value)
        elif spec.kind == "choices":
            values[spec.path] = [str(v) for v in value] if isinstance(value, list) else []
        elif spec.kind in ("int", "float"):
            values[spec.path] = _show_number(value)
        else:
            values[spec.path] = "" if value is None else str(value)
    values[POLICIES] = policies_text(raw.get("policies", []))
    return values


def policies_text(policies: Any) -> str:
    if not policies:
        return ""
    try:
        return tomli_w.dumps({"policies": policies})
    except (TypeError, ValueError):
        return ""


def other_settings(raw: dict[str, Any], specs: list[FieldSpec]) -> str:
    """The starting scenario's settings the form does not show, as TOML (kept as they are)."""
    rest = copy.deepcopy(raw)
    for spec in specs:
        _set(rest, spec.path, None)
    rest.pop(POLICIES, None)
    rest = {k: v for k, v in rest.items() if v not in ({}, None)}
    try:
        return tomli_w.dumps(_drop_none(rest))
    except (TypeError, ValueError):
        return ""


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


def clean_message(text: str) -> str:
    """One printable line of bounded length (control characters escaped)."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in " ".join(str(text).split()))
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


@dataclass
class FormResult:
    raw: dict[str, Any]  # the scenario as submitted (base merged with the form)
    values: dict[str, Any]  # what to show in the form again
    errors: dict[str, list[str]]  # field path, group name, "policies" or TOP -> messages

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(clean_message(message))


def _parse_number(text: str, kind: Kind) -> float | int:
    cleaned = text.replace(",", "").replace("_", "").replace(" ", "")
    number = float(cleaned)  # ValueError: not a number
    if kind == "int" and number.is_integer() and math.isfinite(number):
        return int(number)
    return number


def apply_form(base_raw: dict[str, Any], form: dict[str, Any], specs: list[FieldSpec]) -> FormResult:
    """The starting scenario with the form's values, and every problem with them, per field.

    ``form`` maps a field path to its submitted text (a list for multiple choices).
    """
    raw = copy.deepcopy(base_raw)
    result = FormResult(raw, {}, {})
    for spec in specs:
        submitted = form.get(spec.path)
        if spec.kind == "bool":
            result.values[spec.path] = bool(submitted)
            _set(raw, spec.path, bool(submitted))
            continue
        if spec.kind == "choices":
            chosen = [str(v) for v in (submitted or [])]
            result.values[spec.path] = chosen
            unknown = [c for c in chosen if spec.choices and c not in spec.choices]
            if unknown:
                result.add(spec.path, f"not one of the choices: {', '.join(unknown[:3])}")
            _set(raw, spec.path, chosen)
            continue
        text = str(submitted or "").strip()
        result.values[spec.path] = text
        if not text:
            _set(raw, spec.path, None)  # the schema's default, or "required" from the validator
            continue
        if spec.kind in ("int", "float"):
            try:
                _set(raw, spec.path, _parse_number(text, spec.kind))
            except ValueError:
                result.add(spec.path, f"not a number: '{text}'")
                _set(raw, spec.path, None)
        else:
            _set(raw, spec.path, text)
    budget = raw.get("budget")
    if isinstance(budget, dict) and "equity_usd" not in budget and "debt_usd" not in budget and not result.errors.get("budget.equity_usd"):
        raw.pop("budget")  # no money given: a scenario without a budget (min_cost), not half a budget
    policies = str(form.get(POLICIES) or "")
    result.values[POLICIES] = policies
    raw[POLICIES] = _parse_policies(policies, result)
    return result


def _parse_policies(text: str, result: FormResult) -> list[Any]:
    if not text.strip():
        return []
    if len(text) > MAX_POLICIES_CHARS:
        result.add(POLICIES, f"longer than {MAX_POLICIES_CHARS:,} characters")
        return []
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        result.add(POLICIES, f"malformed TOML: {err}")
        return []
    except RecursionError:
        result.add(POLICIES, "malformed TOML: nested too deeply")
        return []
    extra = sorted(set(parsed) - {POLICIES})
    if extra:
        result.add(POLICIES, f"only [[policies]] tables belong here, not '{extra[0]}'")
    policies = parsed.get(POLICIES, [])
    if not isinstance(policies, list):
        result.add(POLICIES, "write each policy as a [[policies]] table")
        return []
    return policies


def validate(result: FormResult, specs: list[FieldSpec]) -> Scenario | None:
    """Validate the submitted scenario with the schema the CLI's loader uses; errors go to their fields."""
    unparsed = set(result.errors)  # fields whose text was no number: pydantic would only add "required"
    try:
        scenario = Scenario.model_validate(result.raw)
        return None if unparsed else scenario
    except RecursionError:
        result.add(TOP, "nested too deeply to be a scenario")
        return None
    except ValidationError as err:
        paths = [s.path for s in specs]
        groups = {g for g, _ in GROUPS if g}
        for problem in err.errors():
            loc = [str(p) for p in problem["loc"]]
            dotted = ".".join(loc)
            msg = "unknown key" if problem["type"] == "extra_forbidden" else str(problem["msg"]).removeprefix("Value error, ")
            owner = next((p for p in paths if dotted == p or dotted.startswith(p + ".")), None)
            if owner is not None:
                if owner not in unparsed:
                    result.add(owner, msg)
            elif loc and loc[0] == POLICIES:
                result.add(POLICIES, f"{dotted}: {msg}")
            elif loc and loc[0] in groups:
                result.add(loc[0], f"{dotted}: {msg}" if len(loc) > 1 else msg)
            elif loc:
                result.add(TOP, f"{dotted}: {msg}")
            else:
                result.add(TOP, msg)
        return None


def rebase_paths(raw: dict[str, Any], from_dir: Path, to_dir: Path) -> None:
    """Keep relative file paths (candidates.path, data.shared_dir, pathway.roadmap) pointing at the same
    files when the scenario is written into another folder."""
    for table, key in _RELATIVE_PATHS:
        section = raw.get(table)
        if isinstance(section, dict) and isinstance(section.get(key), str) and not os.path.isabs(section[key]):
            section[key] = os.path.relpath(from_dir / section[key], to_dir).replace(os.sep, "/")


def scenario_toml(raw: dict[str, Any], base_rel: str) -> str:
    """The scenario file the form writes: self-contained (its starting file's ``extends`` merged in)."""
    ordered = {k: raw[k] for k in ("name", "description") if k in raw} | {k: v for k, v in raw.items() if k not in ("name", "description")}
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = f"# written by siting serve on {stamp}, starting from {clean_message(base_rel)}\n"
    return header + tomli_w.dumps(_drop_none(ordered))
