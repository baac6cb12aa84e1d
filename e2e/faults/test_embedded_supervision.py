"""The embedded cluster is brought back (issue 14, item 4).

With no DATABASE_URL, `baton serve` starts a private PostgreSQL cluster and nobody
else watches it. When its postmaster dies, Baton must notice, start it again
(clearing the stale postmaster.pid), and serve again within seconds, without
being restarted itself. `/healthz` stays 200 throughout (the process is fine: an
orchestrator must not restart it); `/readyz` is 503 while the database is away
and 200 once it is back.
"""
from __future__ import annotations

import os
import signal
import time

import pytest

from harness import pid_alive, reap, wait_for

BACK_WITHIN = 15.0  # seconds from kill -9 to /readyz 200 and a write stored


@pytest.fixture
def embedded(launcher):
    return launcher.baton(None, name="embedded", demo="people", pool_size=4, log_level="info", migrate=False)


def create_account(baton, token, name):
    return baton.call("POST", "/api/v1/accounts", {"name": name}, token=token, timeout=5)


def test_killed_embedded_postmaster_is_restarted_without_restarting_baton(embedded):
    token = embedded.sign_in()
    assert create_account(embedded, token, "before the crash").status == 201
    pm = embedded.embedded_postmaster_pid
    assert pm, "the embedded cluster's postmaster.pid names no live process"
    baton_pid = embedded.proc.pid

    for round in range(2):  # twice: the second postmaster is one Baton started itself
        killed_at = time.monotonic()
        os.kill(pm, signal.SIGKILL)
        reap(pm)

        # The outage is seen: /readyz fails (503 or no answer in time) while /healthz keeps answering.
        def readyz_failing():
            try:
                return embedded.call("GET", "/readyz", timeout=2).status == 503
            except OSError:
                return False
        saw_outage = wait_for(lambda: readyz_failing() or embedded.embedded_postmaster_pid not in (None, pm), 10,
                              what="the outage to show")
        assert saw_outage
        assert embedded.call("GET", "/healthz", timeout=2).status == 200

        def ready():
            try:
                return embedded.call("GET", "/readyz", timeout=2).status == 200
            except OSError:
                return False
        wait_for(ready, BACK_WITHIN, 0.1, what=f"/readyz 200 after kill -9 (round {round + 1})\n{embedded.log()[-3000:]}")

        def write_stored():
            try:
                return create_account(embedded, token, f"after crash {round + 1}").status == 201
            except OSError:
                return False
        remaining = BACK_WITHIN - (time.monotonic() - killed_at)
        wait_for(write_stored, max(remaining, 0.5), 0.2, what="a write to succeed again")
        took = time.monotonic() - killed_at
        print(f"round {round + 1}: serving again {took:.2f} s after kill -9 of the postmaster")
        assert took < BACK_WITHIN

        # Same Baton process, a new postmaster.
        assert embedded.alive() and embedded.proc.pid == baton_pid
        new_pm = embedded.embedded_postmaster_pid
        assert new_pm and new_pm != pm and pid_alive(new_pm)
        pm = new_pm

    # The supervisor says so once its own start has returned, which can be a moment
    # after the first request is served (the server accepts connections before
    # `pg_ctl start -w` returns, and a kill in that moment makes that start fail and retry).
    wait_for(lambda: "the embedded PostgreSQL server is running again" in embedded.log(), 10, 0.1,
             what="the supervisor's notice that the server is running again")
    # The session made before the crashes still signs requests in, and everything written is there.
    r = embedded.call("GET", "/api/v1/accounts?q=crash", token=token)
    assert r.status == 200, r
    names = {a["name"] for a in r.json["items"]}
    assert {"before the crash", "after crash 1", "after crash 2"} <= names, names


def test_sigterm_stops_the_embedded_cluster_baton_restarted(embedded):
    """A clean stop of Baton also stops the cluster its supervisor started, and leaves no zombie of it."""
    pm = embedded.embedded_postmaster_pid
    os.kill(pm, signal.SIGKILL)
    reap(pm)
    wait_for(lambda: embedded.embedded_postmaster_pid not in (None, pm), BACK_WITHIN, 0.1, what="a new postmaster")
    new_pm = embedded.embedded_postmaster_pid
    wait_for(lambda: embedded.call("GET", "/readyz", timeout=2).status == 200, BACK_WITHIN, 0.1, what="/readyz 200")
    embedded.stop()
    assert embedded.proc.returncode == 0, embedded.log()[-3000:]
    wait_for(lambda: not pid_alive(new_pm), 10, what="the restarted postmaster to stop with Baton")
