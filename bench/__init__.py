"""Benchmarks for the planner: scenario generation and runs."""
