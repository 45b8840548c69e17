"""JupyterLab's proxy to the daemon (jupyterlab-ext/runlane_jupyterlab/handlers.py) forwards routes
that hold spaces, `?`, `#` and `%`: Tornado decodes the path it matched, so the proxy encodes it again
(a metric key, a histogram key or a media ref like TensorBoard's `notes/text summary`)."""
import os
import signal
import socket
import subprocess
import sys
import time
import types
import urllib.parse
import urllib.request

import pytest
from daemons import stop_daemon

handlers = pytest.importorskip("runlane_jupyterlab.handlers")


@pytest.mark.parametrize("route", [
    "runs/r1/histograms/a b",
    "runs/r1/metrics/what?#100%",
    "runs/r1/media/events.out.tfevents.1.vm:120:0:0",
    "runs/r1/media/1234-aaaaaaaa/3",
])
def test_the_route_reaches_the_daemon_as_it_was_asked_for(route):
    proxy = handlers.ProxyHandler.__new__(handlers.ProxyHandler)  # only _url is exercised: no server
    proxy.request = types.SimpleNamespace(query="logdir=%2Ftmp%2Flogs&token=jupyters")
    proxy.daemon = types.SimpleNamespace(store="/tmp/store")
    url = urllib.parse.urlsplit(proxy._url(types.SimpleNamespace(info={"port": 4242}), route))
    assert " " not in url.geturl() and url.fragment == ""
    assert urllib.parse.unquote(url.path) == "/api/v1/" + route
    assert urllib.parse.parse_qs(url.query) == {"logdir": ["/tmp/logs"]}  # Jupyter's token stays behind


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def test_a_page_that_closes_the_feed_leaves_no_traceback_in_the_servers_log(tmp_path):
    """Each closed tab or reload printed two tracebacks (ConnectionAbortedError, HTTPStreamClosedError)
    into the Jupyter server's log the next time the daemon sent an event. A real Jupyter server with the
    extension and its daemon; the feed is opened and closed, then a run is logged so that events flow."""
    port, token = _free_port(), "proxytest"
    env = dict(os.environ, RUNLANE_DIR=str(tmp_path / ".runlane"), RUNLANE_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--allow-root", "--no-browser", "--port", str(port),
         "--IdentityProvider.token=" + token, "--ServerApp.root_dir=" + str(tmp_path), "--ServerApp.log_level=DEBUG"],
        cwd=str(tmp_path), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = "http://127.0.0.1:%d/runlane/api/v1/" % port
    try:
        def answers():
            try:
                return urllib.request.urlopen(base + "runs?token=" + token, timeout=30).status == 200
            except OSError:
                return False
        _wait(answers, 90, "the Jupyter server and the daemon")
        feed = urllib.request.urlopen(base + "events?token=" + token, timeout=30)
        assert b"event: hello" in feed.read1(4096)
        feed.close()  # the page goes away
        subprocess.run([sys.executable, "-c", "import runlane as rl\nwith rl.run(name='after') as r:\n"
                        "    for i in range(20): r.log({'loss': i})"], env=env, check=True, timeout=60)
        # The proxy hears of the closed page at the next chunk the daemon sends (an event of the run).
        _wait(lambda: b"Runlane: the page closed a feed" in (tmp_path / "server.log").read_bytes(), 30,
              "the proxy to end the closed page's upstream feed")
        text = (tmp_path / "server.log").read_text(errors="replace")
        assert "Traceback" not in text and "Uncaught exception" not in text, text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        stop_daemon(tmp_path / "runtime")
