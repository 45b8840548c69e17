"""The embedded store (docs/store-format.md): names, metric codec, writer and reader."""
from .statuses import RUN_STATUSES

__all__ = ["RUN_STATUSES"]
