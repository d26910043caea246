"""The termination register (终结库): terminated cases that intake checks, searchable and
exportable. A top-layer package: it reads cases and reuses the imports' CSV/XLSX writers."""
