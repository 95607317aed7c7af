"""The reports: each a selector building plain data (rows, totals, chart options) from the aggregates."""
