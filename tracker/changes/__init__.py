"""When the data that exports show last changed: a stamp every writer leaves, read in one query."""
