"""JupyterLab's proxy to the daemon (jupyterlab-ext/runlane_jupyterlab/handlers.py) forwards routes
that hold spaces, `?`, `#` and `%`: Tornado decodes the path it matched, so the proxy encodes it again
(a metric key, a histogram key or a media ref like TensorBoard's `notes/text summary`)."""
import types
import urllib.parse

import pytest

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
