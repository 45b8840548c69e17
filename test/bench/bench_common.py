"""Shared by the Python benchmarks: machine facts, a table printer, and the JSON result writer."""
import datetime
import json
import os
import pathlib
import platform
import statistics

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def machine():
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "note": "shared, noisy machine: compare ratios measured in the same run, not absolute figures",
    }


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summarize(per_call_ns):
    return {"median_ns": statistics.median(per_call_ns), "p90_ns": percentile(per_call_ns, 0.9),
            "samples": len(per_call_ns)}


def print_table(title, header, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print("\n" + title)
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def write_result(name, data):
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = dict(data, machine=machine())
    (RESULTS / ("%s.json" % name)).write_text(json.dumps(data, indent=1) + "\n")
    print("\nwrote %s" % (RESULTS / ("%s.json" % name)))
