"""Run statuses, the same list as shared/protocol's RUN_STATUSES (both checked against the shared
store vectors, test/fixtures/store-vectors.json)."""

RUN_STATUSES = ("queued", "running", "finished", "failed", "interrupted", "cancelled", "pruned", "crashed")
# Readers derive these (docs/store-format.md); none is ever written, and a status event naming one is ignored.
DERIVED_STATUSES = ("crashed",)
STORED_STATUSES = tuple(s for s in RUN_STATUSES if s not in DERIVED_STATUSES)
LIVE_STATUSES = ("queued", "running")
# After these a run never changes by itself.
FINAL_STATUSES = tuple(s for s in RUN_STATUSES if s not in LIVE_STATUSES)
