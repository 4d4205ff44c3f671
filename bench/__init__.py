"""Benchmarks and load, crash and fault checks (run each with `.venv/bin/python bench/NAME.py`)."""
