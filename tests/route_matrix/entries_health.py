"""The health check: public."""

from tests.route_matrix.matrix import Entry, everyone

ENTRIES = [Entry("GET", "/health", allow=everyone(), public=True)]
