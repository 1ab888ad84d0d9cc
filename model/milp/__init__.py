"""The model: its data, sparse index sets, one module per block (components/), build and update."""
