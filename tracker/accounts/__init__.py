"""Accounts, roles, sign-in and the authorisation policy."""
