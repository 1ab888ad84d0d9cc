"""Data in: the default datasets, candidates by kind, real-data loaders, energy profiles; load_inputs on top."""
