"""What a policy module may define, and the context it receives.

A policy module defines ``Params`` (a pydantic model with a literal ``type``) and any of:

* ``candidate_mask(sites, params, ctx) -> bool array``: candidates to remove before building;
* ``adjust(data, params) -> ModelData``: change coefficients (prices, incentives, penalties);
* ``add(m, data, params, name)``: add variables and constraints, named with the ``name`` prefix;
* ``MUTABLE``: field names whose values live in mutable Params, and ``update(m, params, name)``
  to push new values into a built model (sweeps and comparisons re-solve without rebuilding);
* ``ONCE = True``: the type may appear at most once in a scenario;
* ``NEEDS_ENERGY = True``: the type needs ``[energy] enabled = true`` (refused at validation otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PolicyContext:
    base_dir: Path  # relative file paths in policies resolve against the scenario file's folder
