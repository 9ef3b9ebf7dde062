"""Quarterly reporting periods: when each opens, falls due and locks."""
