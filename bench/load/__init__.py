"""Load test: a PostgreSQL database with 10,000 cases and 1,000 experts, served by gunicorn and
measured with wrk (`python -m bench.load --help`; figures in docs/operations.md)."""
