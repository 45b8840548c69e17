"""A daemon that goes away mid-answer (stopped during a request) is a connection error, as one that does
not answer at all: DaemonError without an HTTP status, which a sweep's controller waits out. A raw
ConnectionResetError from it failed the controller of a sweep whose daemon was restarted."""
import socket
import struct
import threading

import pytest

from runlane.daemon_client import DaemonClient, DaemonError


def _server(answer):
    """A listening socket whose every connection gets `answer(conn)`; returns its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            answer(conn)

    threading.Thread(target=serve, daemon=True).start()
    return listener


def _reset(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a RST
    conn.close()


def _cut_mid_body(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1, 2")
    conn.close()


@pytest.mark.parametrize("answer", [_reset, _cut_mid_body, lambda conn: conn.close()],
                         ids=["reset", "cut-mid-body", "closed"])
def test_a_daemon_gone_mid_answer_is_a_connection_error(answer):
    listener = _server(answer)
    try:
        client = DaemonClient({"port": listener.getsockname()[1], "token": "t"}, "/tmp/store")
        with pytest.raises(DaemonError) as raised:
            client.request("GET", "/runs")
        assert not raised.value.status  # not an answer: callers treat it as the daemon being away
        assert "daemon" in str(raised.value)
    finally:
        listener.close()
