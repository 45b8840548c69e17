"""Finding (or starting) the Runlane daemon from Python, and calling its HTTP API.

The daemon is found through its runtime file, as every client finds it (docs/daemon.md); when none
answers it is started from the Node CLI bundled in this package. Standard library only."""
import http.client
import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from .errors import RunlaneError


class DaemonError(RunlaneError):
    def __init__(self, message, status=0):
        super().__init__(message)
        self.status = status


def runtime_dir():
    if os.environ.get("RUNLANE_RUNTIME_DIR"):
        return os.path.abspath(os.environ["RUNLANE_RUNTIME_DIR"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "runlane")
    return os.path.join(os.path.expanduser("~"), ".cache", "runlane")


def _read_runtime(folder):
    try:
        with open(os.path.join(folder, "daemon.json")) as f:
            info = json.load(f)
        return info if isinstance(info.get("port"), int) and isinstance(info.get("token"), str) else None
    except (OSError, ValueError):
        return None


class DaemonClient:
    def __init__(self, info, store):
        self.info = info
        self.store = os.path.abspath(store)

    @classmethod
    def connect(cls, store, timeout=20.0):
        """The running daemon, or a new one started for `store`."""
        folder = runtime_dir()
        info = _read_runtime(folder)
        if info and cls(info, store)._healthy():
            return cls(info, store)
        from ._cli import BUNDLE, find_node

        node = find_node()
        if node is None or not os.path.exists(BUNDLE):
            raise DaemonError("The Runlane daemon is not running and cannot be started here: it needs Node.js 20+ "
                              "and the CLI bundle (run `npm run build` in the Runlane checkout).")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        with open(os.path.join(folder, "daemon.log"), "ab") as log:
            subprocess.Popen([node, BUNDLE, "serve", "--dir", os.path.abspath(store)], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log, start_new_session=True,
                             env=dict(os.environ, RUNLANE_RUNTIME_DIR=folder))
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = _read_runtime(folder)
            if info and cls(info, store)._healthy():
                return cls(info, store)
            time.sleep(0.05)
        log = os.path.join(folder, "daemon.log")
        raise DaemonError("The Runlane daemon did not start within %d s; see %s." % (timeout, log))

    def _healthy(self):
        try:
            self.request("GET", "/health")
            return True
        except (DaemonError, OSError):
            return False

    def request(self, method, route, body=None, query=None):
        params = dict(query or {}, store=self.store)
        url = "http://127.0.0.1:%d/api/v1%s?%s" % (self.info["port"], route, urllib.parse.urlencode(params))
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": "Bearer %s" % self.info["token"], "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            try:
                message = json.loads(err.read().decode("utf-8")).get("error")
            except ValueError:
                message = None
            raise DaemonError(message or "The Runlane daemon answered %d." % err.code, err.code) from None
        except urllib.error.URLError as err:
            raise DaemonError("The Runlane daemon cannot be reached: %s" % err.reason) from None
        except (ConnectionError, http.client.HTTPException) as err:
            # The daemon went away mid-answer (stopped, killed): a connection error as above, so that
            # callers that wait for the next daemon (a sweep's controller) do so instead of failing.
            raise DaemonError("The Runlane daemon closed the connection: %s" % (err or type(err).__name__)) from None

    def target(self, name, targets_file=None):
        """The target called `name`, checked (kind, GPUs, and the host's Python for SSH); None if unknown.
        `targets_file`: the runlane.toml an editor chose for the notebook (its folder's own), else the
        daemon's rule (beside the store)."""
        query = {"name": name, "targets": targets_file} if targets_file else {"name": name}
        found = self.request("GET", "/targets", query=query)
        return found[0] if found else None

    def known_target(self, name, targets_file=None):
        """target(), or a RunlaneError naming the targets there are (what a job or a sweep says first)."""
        info = self.target(name, targets_file)
        if info is None:
            query = {"targets": targets_file} if targets_file else None
            names = ", ".join(t["name"] for t in self.request("GET", "/targets", query=query))
            raise RunlaneError('No target "%s". Targets: %s (declare more in runlane.toml; `runlane targets` checks '
                               'them).' % (name, names))
        return info

    def submit_job(self, spec):
        return self.request("POST", "/jobs", spec)

    def cancel_job(self, run_id):
        return self.request("POST", "/jobs/%s/cancel" % urllib.parse.quote(run_id, safe=""), {})

    def stop_run(self, run_id):
        """Stops a running run: a job is cancelled, a cell or script run on this host interrupted."""
        return self.request("POST", "/runs/%s/stop" % urllib.parse.quote(run_id, safe=""), {})
