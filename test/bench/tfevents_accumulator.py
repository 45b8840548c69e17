"""TensorBoard's own Python loader on one log directory: EventAccumulator keeping every scalar
(size guidance 0). Prints JSON: seconds, scalars read, and a checksum of the values."""
import json
import sys
import time

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

start = time.perf_counter()
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
acc.Reload()
seconds = time.perf_counter() - start
count = 0
total = 0.0
for tag in acc.Tags()["scalars"]:
    events = acc.Scalars(tag)
    count += len(events)
    total += sum(e.value for e in events)
print(json.dumps({"seconds": seconds, "scalars": count, "sum": total}))
