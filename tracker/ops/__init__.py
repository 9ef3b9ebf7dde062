"""Running the tracker: health and readiness, request logs, the scheduler's lease and heartbeat."""
