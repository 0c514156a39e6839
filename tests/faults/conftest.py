"""The fault test starts its own PostgreSQL, Redis and gunicorn (bench/instances.py): `-m faults` selects it."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: starts its own PostgreSQL, Redis and gunicorn and breaks them under load (about a minute)"
    )
