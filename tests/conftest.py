"""Shared test configuration.

Database fixtures (every test using them runs on SQLite and on PostgreSQL) live
in ``tests/db_fixtures.py``; area fixtures live in each tests/<area>/conftest.py.
"""

pytest_plugins = ["tests.db_fixtures"]
