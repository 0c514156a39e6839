"""The database boundary: prepared statements, cleanup SQL, and what counts as an outage.

Only the token service (tokens/) and the application service (applications.py) run
statements through here; everything else asks those services.
"""
