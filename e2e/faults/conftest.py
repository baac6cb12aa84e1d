"""Fixtures for the fault tests: each module gets its own PostgreSQL 15 cluster
(run as the `postgres` OS user, on 127.0.0.1 and a private unix socket), and a
launcher that starts `baton serve` and PgBouncer and stops exactly what it started.

Run as root (PostgreSQL is started through `runuser -u postgres`, and the disk-full
test mounts a tmpfs): `.venv/bin/pytest -q -p no:cacheprovider e2e/faults`.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # e2e/client.py, the shared HTTP client

from harness import Baton, Cluster, PgBouncer  # noqa: E402


def pytest_configure(config):
    problems = []
    if os.geteuid() != 0:
        problems.append("run as root: PostgreSQL is started with `runuser -u postgres`")
    if not shutil.which("runuser"):
        problems.append("`runuser` (util-linux) is missing")
    try:
        import pwd
        pwd.getpwnam("postgres")
    except KeyError:
        problems.append("no `postgres` OS user: install the Debian package postgresql")
    if problems:
        raise pytest.UsageError("e2e/faults cannot run here: " + "; ".join(problems))


class Launcher:
    """Starts Batons and PgBouncers; `close()` stops each one it started, last first."""

    def __init__(self):
        self.started = []

    def baton(self, database_url: str, start: bool = True, **kw) -> Baton:
        b = Baton(database_url, **kw)
        self.started.append(b)
        if start:
            b.start()
        return b

    def bouncer(self, cluster: Cluster, databases: dict[str, str], **kw) -> PgBouncer:
        p = PgBouncer(cluster, databases, **kw)
        self.started.append(p)
        p.start()
        return p

    def close(self):
        while self.started:
            self.started.pop().destroy()


@pytest.fixture(scope="module")
def cluster(request):
    name = Path(request.module.__file__).stem.removeprefix("test_")
    c = Cluster(name)
    try:
        c.init().start()
        yield c
    finally:
        c.destroy()


@pytest.fixture(scope="module")
def module_launcher():
    launcher = Launcher()
    yield launcher
    launcher.close()


@pytest.fixture
def launcher():
    launcher = Launcher()
    yield launcher
    launcher.close()
