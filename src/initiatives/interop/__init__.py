"""Formats the registry reads and writes: the JSON registry shape, tables (CSV/XLSX), IATI XML, DPG JSON."""
