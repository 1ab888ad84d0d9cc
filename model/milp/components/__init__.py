"""One module per model block; each exposes a single ``add_<block>(m, data)`` entry point."""
