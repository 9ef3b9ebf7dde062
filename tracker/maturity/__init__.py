"""Maturity: attainment, the maturity index, trajectories, forecasts and dashboards."""
