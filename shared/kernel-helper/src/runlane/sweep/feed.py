"""The daemon's live feed of the store (GET /events, server-sent events), read by a thread of the
controller: a trial's end and its new metric points reach the controller within milliseconds of
being written, instead of at its next poll. What the controller needs of each event goes on a
queue; the controller waits on that queue, so it sleeps while nothing happens and wakes at once.

The feed only makes the controller prompt, never right: a trial's status is still read from its
files and its points from the daemon's series route, at a slow pace, so an event the feed misses
(a reconnect that finds the daemon's buffer too old, a daemon restart) delays a decision, never
loses one. Standard library only (http.client), as all of the helper."""
import http.client
import json
import queue
import threading
import time
import urllib.parse

from .trials import FINAL

# The daemon sends a comment every 15 s: a read that waits longer than this means a dead connection.
READ_TIMEOUT = 45.0
RECONNECT_AFTER = 0.5
POLL = 0.02  # without the feed, the controller looks at its trials' statuses this often
EARLY_EVENTS = 2000  # events of runs not yet known as trials (a trial's first points before its submit returned)


class Feed:
    """Events of one store as tuples on `self.events`: ("status", run_id, status), ("metrics", run_id,
    steps, values) for `metric` from a run's primary series (rank 0 or none), ("reset",) when events
    may have been missed (the controller then reads everything once)."""

    def __init__(self, client, metric):
        self.client, self.metric = client, metric
        self.events = queue.Queue()
        self.live = threading.Event()  # set while a connection is open and its hello has arrived
        self._last_id = None
        self._closed = False
        self._conn = None
        self._thread = threading.Thread(target=self._loop, name="runlane-sweep-feed", daemon=True)
        self._thread.start()

    def close(self):
        self._closed = True
        conn = self._conn
        if conn is not None:
            try:
                conn.sock and conn.sock.shutdown(2)  # wakes the thread's blocking read
            except OSError:
                pass

    def _loop(self):
        while not self._closed:
            try:
                self._read()
            except Exception:  # the daemon restarted, the connection broke, an event it could not read
                pass  # connect again: a thread that died here would leave `live` set and the feed silent
            if self.live.is_set():
                self.live.clear()
                self.events.put(("reset",))
            if not self._closed:
                time.sleep(RECONNECT_AFTER)

    def _read(self):
        info = self.client.info
        conn = self._conn = http.client.HTTPConnection("127.0.0.1", info["port"], timeout=READ_TIMEOUT)
        headers = {"Authorization": "Bearer %s" % info["token"], "Accept": "text/event-stream"}
        if self._last_id:
            headers["Last-Event-ID"] = self._last_id  # the events missed while away come first
        try:
            conn.request("GET", "/api/v1/events?" + urllib.parse.urlencode({"store": self.client.store}),
                         headers=headers)
            resp = conn.getresponse()
            if resp.status != 200:
                return
            kind, data, event_id = None, [], None
            while not self._closed:
                line = resp.readline()
                if not line:
                    return  # the daemon closed the stream
                line = line.decode("utf-8").rstrip("\r\n")
                if line == "":  # the end of one event
                    if kind is not None:
                        self._event(kind, "\n".join(data))
                        if event_id is not None:
                            self._last_id = event_id
                    kind, data, event_id = None, [], None
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line.startswith("id:"):
                    event_id = line[3:].strip()
        finally:
            self._conn = None
            conn.close()

    def _event(self, kind, text):
        if kind == "hello":
            self.live.set()
            return
        if kind == "reset":
            self.events.put(("reset",))
            return
        if kind not in ("run-created", "run-updated", "metrics"):
            return  # the feed's other events (logs, media, deleted runs) say nothing about a trial's state
        event = json.loads(text)
        if kind != "metrics":
            run = event.get("run") or {}
            self.events.put(("status", run.get("id"), run.get("status")))
        elif event.get("key") == self.metric and event.get("rank") in (0, None):
            self.events.put(("metrics", event.get("run_id"), event.get("steps") or [], event.get("values") or []))


class FollowsFeed:
    """The controller's side of the feed (a mixin of Controller: self.feed, self.active, self.early,
    self.next_look): waiting on it, and handing each event to its trial."""

    def _wait(self):
        """Until the feed tells of something (then every event it has is handled), or the next look."""
        if not self.feed.live.is_set():
            timeout = POLL
        else:
            timeout = max(0.0, self.next_look - time.time())
        try:
            event = self.feed.events.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            self._on_event(event)
            try:
                event = self.feed.events.get_nowait()
            except queue.Empty:
                return

    def _on_event(self, event):
        if event[0] == "reset":  # events may have been missed: every trial is read again, in full
            for trial in self.active:
                trial.next_step, trial.next_metric_read, trial.end_seen = None, 0.0, True
            self.next_look = 0.0
            return
        trial = next((t for t in self.active if t.run_id == event[1]), None)
        if trial is None:
            self.early.append(event)
            del self.early[:-EARLY_EVENTS]
        elif event[0] == "metrics":
            trial.fed(event[2], event[3])
        elif event[2] in FINAL:
            trial.end_seen = True

    def _add(self, trial):
        """A trial joins the running ones, with what the feed told of it before its submit returned."""
        self.active.append(trial)
        early = [e for e in self.early if e[1] == trial.run_id]
        self.early = [e for e in self.early if e[1] != trial.run_id]
        for event in early:
            self._on_event(event)
