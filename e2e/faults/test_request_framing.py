"""Broken request framing (issue 14, item 15).

A body whose chunked framing is invalid is the client's fault: a 400 problem
document, never a 500. A client that hangs up in the middle of its body is
routine (a closed tab, a lost network): no error line in the log, only a debug
one. Sent over raw sockets, since no HTTP client library will send broken framing.
"""
from __future__ import annotations

import socket
import time

import pytest

BROKEN_CHUNKS = [
    b"5\r\n{\"nam\r\nZZZ\r\nnot a chunk\r\n0\r\n\r\n",   # a size that is not hex
    b"5\r\n{\"name\": \"x\"}\r\n0\r\n\r\n",              # a chunk longer than its size
    b"-1\r\n{}\r\n0\r\n\r\n",                             # a negative size
]


@pytest.fixture(scope="module")
def baton(cluster, module_launcher):
    url = cluster.create_database("baton")
    return module_launcher.baton(url, name="framing", demo="people", pool_size=4, log_level="debug")


@pytest.fixture(scope="module")
def token(baton):
    return baton.sign_in()


def head(token: str, extra: str) -> bytes:
    return (f"POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n").encode()


def exchange(baton, data: bytes, timeout: float = 5.0) -> bytes:
    """Sends `data` on a fresh connection and reads until the server closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", baton.port), timeout) as s:
        s.sendall(data)
        received = b""
        try:
            while True:
                part = s.recv(65536)
                if not part:
                    break
                received += part
                if b"\r\n\r\n" in received and received.split(b"\r\n\r\n", 1)[1].rstrip().endswith(b"}"):
                    break
        except socket.timeout:
            pass
    return received


def hang_up(baton, data: bytes):
    """Sends part of a request, then closes the connection (optionally with a reset)."""
    s = socket.create_connection(("127.0.0.1", baton.port), 5)
    s.sendall(data)
    time.sleep(0.2)
    s.close()


@pytest.mark.parametrize("body", BROKEN_CHUNKS, ids=["non-hex size", "overlong chunk", "negative size"])
def test_malformed_chunked_body_is_a_400_problem(baton, token, body):
    reply = exchange(baton, head(token, "Transfer-Encoding: chunked\r\n") + body)
    status_line = reply.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 400"), reply[:500]
    assert b"application/problem+json" in reply.lower(), reply[:500]
    # The server is still fine afterwards.
    assert baton.call("GET", "/healthz").status == 200


def test_the_broken_chunk_answer_is_the_problem_document(baton, token):
    reply = exchange(baton, head(token, "Transfer-Encoding: chunked\r\n") + BROKEN_CHUNKS[0])
    assert reply.startswith(b"HTTP/1.1 400"), reply[:500]
    assert b"application/problem+json" in reply, reply[:500]
    assert b'"/problems/malformed-body"' in reply, reply[:500]


def test_a_client_hanging_up_mid_body_is_not_logged_as_an_error(baton, token):
    before = len(baton.log())
    hang_up(baton, head(token, "Transfer-Encoding: chunked\r\n") + b"20\r\n{\"name\": \"half")
    hang_up(baton, head(token, "Content-Length: 200\r\n") + b"{\"name\": \"half")
    exchange(baton, head(token, "Transfer-Encoding: chunked\r\n") + BROKEN_CHUNKS[0])
    time.sleep(1.0)
    assert baton.call("GET", "/healthz").status == 200
    new = baton.log()[before:]
    lines = new.splitlines()
    errors = [l for l in lines if " error " in l or " critical " in l]
    assert not errors, "\n".join(errors)
    assert not any(" 500 " in l or "internal-error" in l for l in lines), new
    # Each hang-up was seen, and told apart from a server fault: a debug line says so.
    assert sum("closed the connection before sending the whole request" in l for l in lines) >= 2, new
    assert not any("unexpected error" in l for l in lines), new
