"""Processes for the fault tests: a private PostgreSQL 15 cluster, `baton serve`,
PgBouncer, and a small HTTP client. Standard library only.

Everything listens on 127.0.0.1. Every object stops exactly what it started, by
PID; nothing here looks processes up by name.
"""
from __future__ import annotations

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

from client import Reply  # noqa: F401  (re-exported for the tests)
import client

REPO = Path(__file__).resolve().parents[2]
BATON = REPO / ".build" / "debug" / "baton"
ADMIN_EMAIL = "admin@demo.test"
PASSWORD = "baton-demo"


def pg_bindir() -> Path:
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server programs not found (Debian package postgresql)")
    return found[-1].parent


_subreaper = False


def become_subreaper():
    """Orphans of ours (the postmaster, once pg_ctl has exited; backends once the
    postmaster is killed) are re-parented to this process instead of PID 1, so that
    we can reap them. Without it a killed postmaster stays a zombie under a PID 1
    that does not reap (as in many containers), and PostgreSQL refuses to start
    again because the PID in postmaster.pid still "exists"."""
    global _subreaper
    if not _subreaper:
        import ctypes
        PR_SET_CHILD_SUBREAPER = 36
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        _subreaper = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children_of(pid: int) -> list[int]:
    """Direct children of `pid`, read from /proc (no name matching)."""
    result = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                result.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return result


def processes_in(directory: Path) -> list[int]:
    """Live processes whose working directory is `directory` (every PostgreSQL
    server process works in its data directory)."""
    target = str(directory.resolve())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == target and pid_alive(int(entry)):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def reap(pid: int):
    """Collect `pid` if it is our child, so it does not stay a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_process(proc: subprocess.Popen, grace: float = 10.0):
    """SIGTERM the one process we started, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# ---------------------------------------------------------------- PostgreSQL


class Cluster:
    """A throwaway PostgreSQL cluster run as the `postgres` OS user (PostgreSQL
    refuses root), listening on 127.0.0.1:port and a private unix socket dir."""

    def __init__(self, name: str = "pg"):
        become_subreaper()
        self.bindir = pg_bindir()
        self.root = Path(tempfile.mkdtemp(prefix=f"baton-faults-{name}."))
        os.chmod(self.root, 0o755)
        self.data = self.root / "data"
        self.sockets = self.root / "run"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.user = pwd.getpwnam("postgres")
        self.started = False
        self.mounts: list[Path] = []

    def as_postgres(self, *args: str, check=True, timeout=120, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=check, timeout=timeout,
                              capture_output=True, text=True, **kw)

    def init(self):
        self.sockets.mkdir()
        os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        os.chown(self.sockets, self.user.pw_uid, self.user.pw_gid)
        self.log.touch()
        os.chown(self.log, self.user.pw_uid, self.user.pw_gid)
        self.as_postgres(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.sockets}'
max_connections = 60
shared_buffers = 32MB
logging_collector = off
log_min_messages = warning
""")
        return self

    def init_replica(self, primary: "Cluster"):
        """Instead of `init`: a hot standby of `primary`, copied with `pg_basebackup -R`
        over 127.0.0.1 as the `postgres` role (initdb's pg_hba.conf already trusts
        replication connections from 127.0.0.1), on its own port and socket dir."""
        self.sockets.mkdir()
        os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        os.chown(self.sockets, self.user.pw_uid, self.user.pw_gid)
        self.log.touch()
        os.chown(self.log, self.user.pw_uid, self.user.pw_gid)
        self.as_postgres(str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                         "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:  # the copy still names the primary's port
            conf.write(f"""
port = {self.port}
unix_socket_directories = '{self.sockets}'
hot_standby = on
""")
        return self

    def start(self, timeout: int = 60):
        self.as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                         "-t", str(timeout), "start", timeout=timeout + 10)
        self.started = True
        return self

    @property
    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None

    def kill9(self, wait: float = 15.0) -> float:
        """kill -9 the postmaster, then wait until every process it had started
        (backends, checkpointer, ...) has gone, as they do on postmaster death.
        Returns the seconds that took."""
        pm = self.postmaster_pid
        assert pm and pid_alive(pm), "the postmaster is not running"
        kids = children_of(pm)
        began = time.monotonic()
        os.kill(pm, signal.SIGKILL)

        def gone():
            # Orphans come to us (become_subreaper): reap what is ours to reap.
            for p in {pm, *kids, *processes_in(self.data)}:
                reap(p)
            return not pid_alive(pm) and not any(pid_alive(k) for k in kids) and not processes_in(self.data)
        try:
            wait_for(gone, wait, what="the postmaster's children to exit")
        except TimeoutError:
            # They are ours too (started by the postmaster we started): end them by PID.
            for k in set(kids) | set(processes_in(self.data)):
                if pid_alive(k):
                    os.kill(k, signal.SIGKILL)
            wait_for(gone, 5, what="children to die")
        return time.monotonic() - began

    def stop(self, mode: str = "fast"):
        if not self.started:
            return
        pm = self.postmaster_pid
        r = self.as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30",
                             "stop", check=False, timeout=60)
        if r.returncode != 0 and pm and pid_alive(pm):
            os.kill(pm, signal.SIGKILL)
        if pm:
            try:
                wait_for(lambda: reap(pm) or not pid_alive(pm), 10, what="the postmaster to exit")
            except TimeoutError:
                pass
        self.started = False

    def destroy(self):
        self.stop("immediate")  # a throwaway cluster: no shutdown checkpoint needed
        for m in reversed(self.mounts):
            subprocess.run(["umount", str(m)], capture_output=True)
            if os.path.ismount(m):
                subprocess.run(["umount", "-l", str(m)], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- SQL through psql, as the superuser, over the unix socket

    def psql(self, sql: str, db: str = "postgres", user: str = "postgres", check=True, timeout=60) -> str:
        r = subprocess.run([str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", str(self.sockets), "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"psql failed ({r.returncode}): {r.stderr.strip()}\nSQL: {sql}")
        return r.stdout.strip()

    def session(self, db: str = "postgres", user: str = "postgres") -> "PsqlSession":
        return PsqlSession(self, db, user)

    def create_database(self, name: str, owner: str = "baton") -> str:
        if self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{owner}'") != "1":
            # CREATEROLE: sql/0012_row_level_security.sql creates and grants the role
            # `baton_member`, which a role that only owns its database may not do.
            self.psql(f"CREATE ROLE {owner} LOGIN CREATEROLE")
        self.psql(f"CREATE DATABASE {name} OWNER {owner} ENCODING 'UTF8' TEMPLATE template0")
        return self.url(name, owner)

    def url(self, db: str, user: str = "baton", **params: str) -> str:
        query = ("?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)) if params else ""
        return f"postgres://{user}@127.0.0.1:{self.port}/{db}{query}"

    def mount_tmpfs(self, name: str, size: str) -> Path:
        """A small tmpfs owned by postgres (a disk that fills up fast)."""
        point = self.root / name
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o",
                        f"size={size},mode=0700,uid={self.user.pw_uid},gid={self.user.pw_gid}", "tmpfs", str(point)],
                       check=True, capture_output=True, text=True)
        self.mounts.append(point)
        return point


class PsqlSession:
    """An interactive psql kept open (e.g. to hold a lock inside a transaction)."""

    def __init__(self, cluster: Cluster, db: str, user: str):
        self.proc = subprocess.Popen([str(cluster.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                      "-h", str(cluster.sockets), "-p", str(cluster.port), "-U", user, "-d", db],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._n = 0

    def run(self, sql: str, timeout: float = 30) -> str:
        """Sends `sql` and waits until psql has run it (a marker line comes back)."""
        self._n += 1
        marker = f"__done_{self._n}__"
        self.proc.stdin.write(sql.rstrip().rstrip(";") + f";\n\\echo {marker}\n")
        self.proc.stdin.flush()
        lines = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"psql ended: {self.proc.stderr.read()}")
            if line.strip() == marker:
                return "\n".join(lines)
            lines.append(line.rstrip("\n"))
        raise TimeoutError(sql)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("\\q\n")
                self.proc.stdin.flush()
                self.proc.wait(5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)


# ---------------------------------------------------------------- Baton


class Baton:
    """`baton migrate`, then `baton serve` on a free loopback port.

    With `database_url=None` it runs in embedded mode: no DATABASE_URL, and Baton
    starts (and supervises) its own cluster under `embedded_data`."""

    def __init__(self, database_url: str | None, name: str = "baton", demo: str = "people", pool_size: int = 6,
                 log_level: str = "info", env: dict | None = None, migrate: bool = True):
        self.database_url = database_url
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"baton-faults-{name}."))
        # The embedded server runs as `postgres` when we are root: it must reach its folder.
        os.chmod(self.dir, 0o755)
        self.log_path = self.dir / "serve.log"
        self.embedded_data = self.dir / "data"
        self.env = dict(os.environ)
        for k in ("DATABASE_URL", "BATON_DATA", "BATON_SQL_DIR", "TEST_DATABASE_URL", "PGOPTIONS", "PGHOST", "PGPORT",
                  "PGUSER"):
            self.env.pop(k, None)
        self.env.update({"PORT": str(self.port), "HOST": "127.0.0.1",
                         "BATON_DEMO": demo, "LOG_LEVEL": log_level, "POOL_SIZE": str(pool_size),
                         "BATON_DATA": str(self.embedded_data if database_url is None else self.dir / "unused")})
        if database_url is not None:
            self.env["DATABASE_URL"] = database_url
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self.migrate_result: subprocess.CompletedProcess | None = None
        self.do_migrate = migrate

    def binary(self) -> str:
        # The lead may be rebuilding it: wait a little for it to come back.
        wait_for(lambda: BATON.exists() and os.access(BATON, os.X_OK), 120, 0.5, what=f"{BATON}")
        return str(BATON)

    def migrate(self) -> subprocess.CompletedProcess:
        self.migrate_result = subprocess.run([self.binary(), "migrate"], cwd=REPO, env=self.env, capture_output=True,
                                             text=True, timeout=120)
        return self.migrate_result

    def start(self, ready_timeout: float = 90.0, wait_ready: bool = True):
        if self.do_migrate:
            r = self.migrate()
            if r.returncode != 0:
                raise RuntimeError(f"baton migrate failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([self.binary(), "serve"], cwd=REPO, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if wait_ready:
            self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float = 90.0):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"baton serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                return request(self.base, "GET", "/readyz", timeout=2).status == 200
            except OSError:
                return False
        wait_for(ready, timeout, 0.1, what=f"{self.name} /readyz")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
            self._log.close()

    @property
    def embedded_postmaster_pid(self) -> int | None:
        """The embedded cluster's postmaster, from its postmaster.pid, if it is alive."""
        try:
            pid = int((self.embedded_data / "pg" / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def destroy(self):
        self.stop()
        if self.database_url is None:
            # Baton stops the cluster it started; one it left behind (it crashed, or
            # a restart raced the stop) is ours to end, found by its own pid file.
            pm = self.embedded_postmaster_pid
            if pm:
                os.kill(pm, signal.SIGQUIT)
                try:
                    wait_for(lambda: reap(pm) or not pid_alive(pm), 10, what="the embedded postmaster to exit")
                except TimeoutError:
                    os.kill(pm, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    # conveniences
    def call(self, method, path, body=None, token=None, headers=None, timeout=10.0, raw=None) -> "Reply":
        return request(self.base, method, path, body=body, token=token, headers=headers, timeout=timeout, raw=raw)

    def sign_in(self, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> str:
        r = self.call("POST", "/api/v1/sessions", {"email": email, "password": password})
        assert r.status == 201, (r.status, r.body)
        return r.json["token"]


# ---------------------------------------------------------------- PgBouncer


class PgBouncer:
    """PgBouncer in front of a Cluster, run as `postgres` (it refuses root)."""

    def __init__(self, cluster: Cluster, databases: dict[str, str], pool_mode: str = "transaction",
                 pool_size: int = 2, extra: str = ""):
        self.cluster = cluster
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="baton-faults-pgbouncer."))
        os.chmod(self.dir, 0o755)
        self.log_path = self.dir / "pgbouncer.log"
        users = {"baton", "postgres"}
        (self.dir / "userlist.txt").write_text("".join(f'"{u}" ""\n' for u in sorted(users)))
        db_lines = "".join(f"{alias} = host=127.0.0.1 port={cluster.port} dbname={db}\n"
                           for alias, db in databases.items())
        (self.dir / "pgbouncer.ini").write_text(f"""[databases]
{db_lines}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.dir}/userlist.txt
admin_users = postgres
pool_mode = {pool_mode}
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
server_lifetime = 3600
server_idle_timeout = 600
logfile = {self.log_path}
pidfile = {self.dir}/pgbouncer.pid
{extra}
""")
        user = pwd.getpwnam("postgres")
        for p in self.dir.iterdir():
            os.chown(p, user.pw_uid, user.pw_gid)
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.proc: subprocess.Popen | None = None

    def start(self):
        exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        self.proc = subprocess.Popen(["runuser", "-u", "postgres", "--", exe, str(self.dir / "pgbouncer.ini")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return True
            except OSError:
                return False
        wait_for(listening, 20, what="pgbouncer to listen")
        return self

    def url(self, db: str, user: str = "baton", **params: str) -> str:
        query = ("?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)) if params else ""
        return f"postgres://{user}@127.0.0.1:{self.port}/{db}{query}"

    def psql(self, sql: str, db: str, user: str = "baton", check=True, env=None) -> subprocess.CompletedProcess:
        e = dict(os.environ)
        e.pop("PGOPTIONS", None)
        e.update(env or {})
        r = subprocess.run([str(self.cluster.bindir / "psql"), "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                            "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=60, env=e)
        if check and r.returncode != 0:
            raise RuntimeError(f"psql via pgbouncer failed: {r.stderr}")
        return r

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is None:
            return
        # runuser waits for pgbouncer; signal pgbouncer itself by the PID it wrote.
        try:
            pid = int((self.dir / "pgbouncer.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            pid = None
        if pid and pid in children_of(self.proc.pid) and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)  # PgBouncer 1.18: SIGTERM is an immediate shutdown
            try:
                wait_for(lambda: not pid_alive(pid), 5, what="pgbouncer to exit")
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
            try:
                self.proc.wait(5)  # runuser exits with its child; a signal now would make it linger 2 s
            except subprocess.TimeoutExpired:
                pass
        stop_process(self.proc)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- HTTP


def request(base: str, method: str, path: str, body=None, token=None, headers=None, timeout=10.0,
            raw: bytes | None = None) -> Reply:
    """One HTTP request on a fresh connection through the shared client; any status
    comes back as a Reply. `body` goes as JSON, `raw` as it is (set its Content-Type in
    `headers`). Connection failures and timeouts raise OSError (socket.timeout is one)."""
    return client.request(base, method, path, body if body is not None else client.ABSENT, token=token,
                          headers={"Accept": "application/json", **(headers or {})}, raw=raw,
                          content_type=(headers or {}).get("Content-Type"), timeout=timeout)
