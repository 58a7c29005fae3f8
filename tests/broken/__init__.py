"""Broken datasets for tests/test_broken_datasets.py (see cases.yml)."""
