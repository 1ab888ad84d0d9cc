"""Bottom layer: errors, units, validated-schema base, geometry, table checks, rule registry, cities."""
