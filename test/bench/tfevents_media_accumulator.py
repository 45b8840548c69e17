"""TensorBoard's own loader behind its UI (plugin_event_accumulator.EventAccumulator, keeping every
image and histogram) on one log directory. Prints JSON: seconds, images and histograms read."""
import json
import sys
import time

from tensorboard.backend.event_processing.plugin_event_accumulator import (
    EventAccumulator,
)

start = time.perf_counter()
acc = EventAccumulator(sys.argv[1], size_guidance={"tensors": 0})
acc.Reload()
seconds = time.perf_counter() - start
images = histograms = 0
for tag in acc.Tags()["tensors"]:
    plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
    events = acc.Tensors(tag)
    if plugin == "images":
        images += sum(len(e.tensor_proto.string_val) - 2 for e in events)
    elif plugin == "histograms":
        histograms += len(events)
print(json.dumps({"seconds": seconds, "images": images, "histograms": histograms}))
