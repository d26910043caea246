"""The oversight dashboard: backlog, clocks, this week's hearings, load and the source-prevention
metrics, computed with SQL aggregates and drawn as server-side SVG."""
