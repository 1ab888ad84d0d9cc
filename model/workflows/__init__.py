"""The run engine and the workflows over it: run, compare, sweep."""
