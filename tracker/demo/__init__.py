"""The demo: every active English practice from the real files, with a believable history."""
