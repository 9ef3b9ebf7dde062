"""Organisations: regions, local offices, CCGs and practices, imported from the official files."""
