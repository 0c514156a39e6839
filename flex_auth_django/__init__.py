"""A Sharetribe-style Authentication API for Django."""

__version__ = "0.1.0"
