"""Alerts that find what changed: detection (pure) and the monthly digest."""
