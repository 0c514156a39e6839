"""A stock django-oauth-toolkit site, configured as DOT's documentation suggests: the baseline of the benchmark."""
