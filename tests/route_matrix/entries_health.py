"""The health and readiness probes: public."""

from tests.route_matrix.matrix import Entry, everyone

ENTRIES = [
    Entry("GET", "/health", allow=everyone(), public=True),
    Entry("GET", "/ready", allow=everyone(), public=True),
]
