"""Short-lived shared state in the database (sessions, throttles), seen by every web worker."""
