"""Adopting a database that stock django-oauth-toolkit migrated: detect it, migrate it, import its data.

A DOT site's history has oauth2_provider.0001_initial applied, and our first migration must
run before it (DOT's Grant and IDToken point at the swapped application model), so a plain
`migrate` stops with InconsistentMigrationHistory. detect.py finds that state for the
system check and the `migrate` override; importer.py is what `flex_adopt_dot` runs.
"""
