"""IPython integration: the `%%runlane` cell magic, `%runlane auto`, and per-cell runs."""
