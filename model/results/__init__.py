"""Out: tables and summary, output paths, ranking, the report."""
