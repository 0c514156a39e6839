"""A site whose AUTH_USER_MODEL is its own (UUID keys, login by email) with its own user admin.

Its tests run only under tests.settings_custom_user (tests/console/test_custom_user_model.py
starts them in a subprocess): the main suite's user model is Django's.
"""
