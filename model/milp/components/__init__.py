"""One module per model block; each exposes a single ``add_<block>(m, data)`` entry point."""

from typing import Any, TypeAlias

# A Pyomo variable, expression or plain number in a model term. Pyomo ships no type stubs, so the honest
# static type is Any (``object`` would reject the arithmetic the terms exist for).
Term: TypeAlias = Any
