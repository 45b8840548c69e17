"""The one background thread per process that writes what runs have buffered.

`Run.log` only appends to in-memory queues; this thread drains every open run's queues each
FLUSH_INTERVAL seconds, so a crash (kill -9) loses at most about one interval of points. It sleeps
on an event while no run is open, so an idle kernel pays nothing for it.
"""
import os
import threading
import time

from . import held

# 10 ms keeps a live chart within a few tens of ms of rl.log() (daemon SSE p95 target: 50 ms) and
# far inside the 100 ms a crash may lose; each wake-up with nothing pending costs microseconds.
FLUSH_INTERVAL = 0.01


class Flusher:
    def __init__(self, interval=FLUSH_INTERVAL):
        self.interval = interval
        self._runs = []
        self._lock = threading.Lock()
        self._busy = threading.Event()  # set while at least one run is open
        self._thread = None
        self._pid = None

    def track(self, run):
        with self._lock:
            if run not in self._runs:
                self._runs.append(run)
            self._busy.set()
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, name="runlane-flush", daemon=True)
                self._thread.start()

    def forget(self, run):
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)
            if not self._runs:
                self._busy.clear()

    def open_runs(self):
        with self._lock:
            return list(self._runs)

    def flush_all(self):
        for run in self.open_runs():
            try:
                run.flush()
            except Exception:  # a bug must not kill the thread that writes everything else
                import traceback  # here: a first rl.log need not pay for it

                traceback.print_exc()
        if held.stale_notices():  # nobody logs any more to print it in their cell: print it here
            held.print_notices()

    def reset_after_fork(self):
        """In a forked child: no thread runs here, and the parent's runs are the parent's to flush.
        Returns the runs that were open in the parent (the child may adopt them)."""
        runs, self._runs = self._runs, []
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._thread = None
        self._pid = None
        return runs

    def _loop(self):
        while True:
            self._busy.wait()
            time.sleep(self.interval)
            self.flush_all()
