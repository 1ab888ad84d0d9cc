"""``siting serve``: a local web app over a folder of scenarios and run folders.

For investors and policy analysts who do not write Python: a scenario form generated from the
pydantic schema (``model.config.Scenario``), a queue that runs ``siting run`` one scenario at a time
in a subprocess with live solver progress and a cancel button, a library of the run folders under
the served folder, each run's files served read-only, and a side-by-side compare.

It sits at the top layer beside ``model.cli``: it reads scenario files with ``model.config``'s loader,
checks output paths with ``model.results.outputs`` and reads finished run folders; it never imports
the model, the solver or the workflows (runs go through the CLI in a subprocess).
"""

from __future__ import annotations

from model.app.server import create_app, prepare_server

__all__ = ["create_app", "prepare_server"]
