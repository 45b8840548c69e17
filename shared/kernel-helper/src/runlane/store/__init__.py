"""The embedded store (docs/store-format.md): names, metric codec, writer and reader."""
