"""Shared test configuration. Area fixtures live in each tests/<area>/conftest.py."""
