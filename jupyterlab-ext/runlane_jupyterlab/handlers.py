"""The page reaches the daemon only through these handlers, behind Jupyter's authentication: a
request to `<base_url>/runlane/api/v1/...` is forwarded to the one daemon of this user (found through
its runtime file, started when none runs) with the daemon's token added, and answers stream back,
the SSE feed included. A proxy of our own, rather than jupyter-server-proxy, because the daemon is
not this server's child process: it is shared with the kernels, the CLI and VS Code, it outlives
JupyterLab, and its port changes when it restarts; jupyter-server-proxy would launch and own a second
one, or need a fixed port."""
import asyncio
import json
import logging
import os
import urllib.parse

from jupyter_server.base.handlers import APIHandler
from tornado import httpclient, web

from runlane.daemon_client import DaemonClient, DaemonError
from runlane.store.discovery import find_store_dir

# Requests that are not the feed: generous, since a first request may start the daemon.
REQUEST_TIMEOUT = 60.0
FEED_TIMEOUT = 7 * 24 * 3600.0
HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive", "server", "date"}


class PageClosedFeed(ConnectionAbortedError):
    """Raised from the feed's streaming callback once the page went away: Tornado's HTTP client has
    no other way to end a streaming request. It is expected, not an error."""


class _QuietWhenThePageCloses(logging.Filter):
    """Tornado logs any exception of a streaming callback with its traceback ("Uncaught exception"),
    so every closed tab or reload printed two tracebacks in the Jupyter server's log. Only our own
    signal is dropped; any other exception is logged as before."""

    def filter(self, record):
        return not (record.exc_info and isinstance(record.exc_info[1], PageClosedFeed))


class Daemon:
    """The daemon as this server sees it: connected on first use, and again after it went away."""

    def __init__(self, store):
        self.store = store
        self._client = None
        self._lock = asyncio.Lock()

    async def client(self, fresh=False):
        async with self._lock:
            if self._client is None or fresh:
                loop = asyncio.get_running_loop()
                self._client = await loop.run_in_executor(None, DaemonClient.connect, self.store)
            return self._client


class ConfigHandler(APIHandler):
    """What the page needs to know: the store it shows by default and the server's root folder
    (notebook paths in runs are absolute; the page knows them relative to this root)."""

    def initialize(self, daemon, root_dir):
        self.daemon, self.root_dir = daemon, root_dir

    @web.authenticated
    def get(self):
        self.finish(json.dumps({"store": self.daemon.store, "root_dir": self.root_dir}))


class NotebookStoreHandler(APIHandler):
    """The store a notebook's kernel writes to, by the helper's own rule (RUNLANE_DIR, else the
    nearest `.runlane/` up from the notebook's folder, else a new one beside it): the page shows
    that store, so a notebook in a subfolder with its own `.runlane/` never writes runs nobody sees.
    `exists` is false while the kernel has not created it yet (the page does not create it either)."""

    def initialize(self, root_dir):
        self.root_dir = root_dir

    @web.authenticated
    def get(self):
        relative = self.get_query_argument("notebook", "")
        notebook = os.path.abspath(os.path.join(self.root_dir, relative))
        if notebook != self.root_dir and not notebook.startswith(self.root_dir.rstrip(os.sep) + os.sep):
            raise web.HTTPError(400, "The notebook %s is not under the server's folder." % relative)
        store = os.path.abspath(find_store_dir(os.path.dirname(notebook)))
        self.finish(json.dumps({"notebook": notebook, "store": store, "exists": os.path.isdir(store)}))


class ProxyHandler(APIHandler):
    # An API handler: an unauthenticated request gets 403, never a redirect to the login page.
    def initialize(self, daemon):
        self.daemon = daemon
        self._closed = False

    @web.authenticated
    async def get(self, route):
        await self._forward("GET", route)

    @web.authenticated
    async def post(self, route):
        await self._forward("POST", route)

    @web.authenticated
    async def patch(self, route):
        await self._forward("PATCH", route)

    @web.authenticated
    async def delete(self, route):
        await self._forward("DELETE", route)

    def on_connection_close(self):
        self._closed = True

    def _url(self, client, route):
        query = urllib.parse.parse_qs(self.request.query, keep_blank_values=True)
        query.pop("token", None)  # Jupyter's own token (an EventSource sends it in the URL) stays here
        # `all`: the page's one feed of every folder it shows (the daemon sends all it follows)
        if query.pop("all", None) is None and "store" not in query and "logdir" not in query and "mlflow" not in query:
            query["store"] = [self.daemon.store]
        # Tornado hands the route over decoded (`a b` for `a%20b`): encoded again, a key or media ref with
        # spaces, `?` or `#` reaches the daemon whole (a `/` from `%2F` stays one: its routes take it).
        route = urllib.parse.quote(route, safe="/")
        return "http://127.0.0.1:%d/api/v1/%s?%s" % (client.info["port"], route, urllib.parse.urlencode(query, doseq=True))

    async def _forward(self, method, route):
        feed = route == "events"
        try:
            client = await self.daemon.client()
        except DaemonError as err:
            return self._error(503, str(err))
        for attempt in (0, 1):
            headers = {"Authorization": "Bearer %s" % client.info["token"]}
            if self.request.headers.get("Content-Type"):
                headers["Content-Type"] = self.request.headers["Content-Type"]
            if feed and self.request.headers.get("Last-Event-ID"):
                headers["Last-Event-ID"] = self.request.headers["Last-Event-ID"]
            body = self.request.body if method in ("POST", "PATCH") else None
            request = httpclient.HTTPRequest(
                self._url(client, route), method=method, headers=headers, body=body,
                allow_nonstandard_methods=True, request_timeout=FEED_TIMEOUT if feed else REQUEST_TIMEOUT,
                header_callback=self._on_header if feed else None,
                streaming_callback=self._on_chunk if feed else None)
            try:
                response = await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
            # HTTPClientError: Tornado's "Connection closed" (599) when the daemon or the page ended it
            except (ConnectionError, OSError, httpclient.HTTPClientError) as err:
                if self._closed:  # the page went away (our streaming callback ended the upstream request)
                    self.log.debug("Runlane: the page closed a feed; its request to the daemon is ended")
                    return
                if attempt == 0:  # the daemon went away (idle exit, restart): find or start it again
                    try:
                        client = await self.daemon.client(fresh=True)
                    except DaemonError as start_error:
                        return self._error(503, str(start_error))
                    continue
                return self._error(502, "The Runlane daemon cannot be reached: %s" % err)
            break
        if feed or self._closed:
            if not self._finished:
                self.finish()
            return
        if response.code == 599:
            return self._error(502, "The Runlane daemon did not answer: %s" % response.error)
        self.set_status(response.code)
        for name, value in response.headers.get_all():
            if name.lower() not in HOP_HEADERS:
                self.set_header(name, value)
        self.finish(response.body or b"")

    def _on_header(self, line):
        line = line.strip()
        if line.startswith("HTTP/"):
            self.set_status(int(line.split(" ")[1]))
        elif ":" in line:
            name, value = line.split(":", 1)
            if name.strip().lower() in ("content-type", "cache-control"):
                self.set_header(name.strip(), value.strip())

    def _on_chunk(self, chunk):
        if self._closed:
            raise PageClosedFeed("the page closed the feed")  # ends the upstream request too
        self.write(chunk)
        self.flush()

    def _error(self, status, message):
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message, "code": "internal"}))


def setup_handlers(web_app, root_dir, log):
    store = os.environ.get("RUNLANE_DIR") or find_store_dir(os.path.abspath(root_dir))
    daemon = Daemon(os.path.abspath(store))
    logging.getLogger("tornado.application").addFilter(_QuietWhenThePageCloses())
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [
        (base + "runlane/config", ConfigHandler, {"daemon": daemon, "root_dir": os.path.abspath(root_dir)}),
        (base + "runlane/notebook-store", NotebookStoreHandler, {"root_dir": os.path.abspath(root_dir)}),
        (base + r"runlane/api/v1/(.*)", ProxyHandler, {"daemon": daemon}),
    ])
    log.info("Runlane: store %s", store)
