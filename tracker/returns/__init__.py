"""Practice returns: the form, the lifecycle, CCG review, the Excel round-trip and the API."""
