"""Database faults (issue 10, item 2): kill -9 of the PostgreSQL server under write
load, a statement timeout, and a full disk. Baton must answer 503 quickly while the
database cannot serve, serve again by itself within 5 s of it coming back, and lose
or half-write nothing that it answered 201 for.

What one write inserts (read from the stores):
- POST /accounts: an `accounts` row and one `audit_log` row (entity 'account',
  action 'create'); with an Idempotency-Key, its `idempotency_keys` row, status set.
- POST /opportunities: an `opportunities` row, its `opportunity_team` rows (at least
  the owner), one `opportunity_stage_history` row (from_stage NULL) and one
  `audit_log` row (entity 'opportunity', action 'create').
"""
from __future__ import annotations

import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from harness import free_port, request

WRITERS = 4            # 2 create accounts, 2 create opportunities
LOAD_BEFORE_KILL = 3.0  # seconds of load before kill -9
DOWN_FOR = 3.0          # seconds the server stays down
LOAD_AFTER_BACK = 6.0   # seconds of load once it is back
MAX_503_SECONDS = 2.0   # each answer while down comes within this
MAX_RECOVERY_SECONDS = 5.0


@pytest.fixture(scope="module")
def baton(cluster, module_launcher):
    url = cluster.create_database("baton")
    return module_launcher.baton(url, name="faults", demo="people", pool_size=6, log_level="warning")


@pytest.fixture(scope="module")
def token(baton):
    return baton.sign_in()


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def is_clear_503(reply) -> bool:
    return (reply.status == 503 and (reply.header("content-type") or "").startswith("application/problem+json")
            and reply.header("retry-after") is not None and reply.json.get("status") == 503)


def pool_gauges(baton) -> dict[str, float]:
    """baton_db_pool_{open,in_use,waiting}_connections from /metrics."""
    text = baton.call("GET", "/metrics").body.decode()
    gauges = {}
    for line in text.splitlines():
        if line.startswith("baton_db_pool_"):
            name, value = line.rsplit(" ", 1)
            gauges[name.split("{")[0].removeprefix("baton_db_pool_").removesuffix("_connections")] = float(value)
    return gauges


def account_integrity_problems(cluster) -> list[str]:
    rows = cluster.psql("""
        SELECT a.id FROM accounts a
        WHERE (SELECT count(*) FROM audit_log l
               WHERE l.entity = 'account' AND l.entity_id = a.id AND l.action = 'create') <> 1
        ORDER BY a.id""", db="baton")
    return [f"account {i} has no single 'create' audit row" for i in rows.split()]


def opportunity_integrity_problems(cluster) -> list[str]:
    rows = cluster.psql("""
        SELECT o.id || ' team=' || (SELECT count(*) FROM opportunity_team t WHERE t.opportunity_id = o.id)
               || ' owner_in_team=' || EXISTS (SELECT 1 FROM opportunity_team t
                                               WHERE t.opportunity_id = o.id AND t.user_id = o.owner_id)
               || ' first_history=' || (SELECT count(*) FROM opportunity_stage_history h
                                        WHERE h.opportunity_id = o.id AND h.from_stage IS NULL)
               || ' audit=' || (SELECT count(*) FROM audit_log l
                                WHERE l.entity = 'opportunity' AND l.entity_id = o.id AND l.action = 'create')
        FROM opportunities o
        WHERE NOT EXISTS (SELECT 1 FROM opportunity_team t WHERE t.opportunity_id = o.id AND t.user_id = o.owner_id)
           OR (SELECT count(*) FROM opportunity_stage_history h WHERE h.opportunity_id = o.id AND h.from_stage IS NULL) <> 1
           OR (SELECT count(*) FROM audit_log l
               WHERE l.entity = 'opportunity' AND l.entity_id = o.id AND l.action = 'create') <> 1
        ORDER BY o.id""", db="baton")
    problems = [f"opportunity half-written: {r}" for r in rows.splitlines() if r]
    pending = cluster.psql("SELECT count(*) FROM idempotency_keys WHERE status IS NULL", db="baton")
    if pending != "0":
        problems.append(f"{pending} idempotency keys committed without their response")
    return problems


@dataclass
class Attempt:
    kind: str
    name: str
    key: str
    body: dict
    start: float
    end: float = 0.0
    status: int | None = None
    id: int | None = None
    error: str | None = None
    reply: object = None

    @property
    def elapsed(self):
        return self.end - self.start


def writer(baton, token, kind: str, worker: int, account_id: int, stop: threading.Event, out: list):
    path = "/api/v1/accounts" if kind == "account" else "/api/v1/opportunities"
    n = 0
    while not stop.is_set():
        n += 1
        name = f"crash {kind} w{worker} n{n}"
        body = {"name": name} if kind == "account" else {
            "accountId": account_id, "name": name, "stage": "qualification", "amount": "1000.00",
            "closeDate": "2027-01-15"}
        a = Attempt(kind, name, str(uuid.uuid4()), body, time.monotonic())
        try:
            r = request(baton.base, "POST", path, body, token=token, headers={"Idempotency-Key": a.key}, timeout=20)
            a.status, a.reply = r.status, r
            if r.status == 201:
                a.id = r.json["id"]
        except OSError as e:  # refused, reset, timed out: Baton died or hung
            a.error = repr(e)
        a.end = time.monotonic()
        out.append(a)
        if a.status != 201:
            time.sleep(0.05)  # a client that backs off a little instead of spinning


def test_kill_9_of_the_postmaster_under_write_load(cluster, baton, token, record_property):
    account = baton.call("POST", "/api/v1/accounts", {"name": "crash target"}, token=token)
    assert account.status == 201, account
    account_id = account.json["id"]
    assert baton.call("GET", "/readyz").status == 200

    stop = threading.Event()
    attempts: list[Attempt] = []
    threads = [threading.Thread(target=writer, args=(baton, token, "account" if w % 2 == 0 else "opportunity", w,
                                                     account_id, stop, attempts), daemon=True)
               for w in range(WRITERS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    try:
        time.sleep(LOAD_BEFORE_KILL)
        t_kill = time.monotonic()
        cluster.kill9()
        t_dead = time.monotonic()  # the postmaster and every backend are gone
        time.sleep(0.3)
        ready_down = request(baton.base, "GET", "/readyz", timeout=10)
        time.sleep(max(0.0, t_kill + DOWN_FOR - time.monotonic()))
        t_restart = time.monotonic()
        cluster.start()
        t_back = time.monotonic()  # pg_ctl -w: the server accepts connections again
        time.sleep(LOAD_AFTER_BACK)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    ready_after = request(baton.base, "GET", "/readyz", timeout=10)
    gauges = pool_gauges(baton)

    problems = []
    # Nothing is in flight now: a pool that lost track of a broken connection would
    # show it as in use (and, after enough crashes, run out of slots).
    if gauges.get("in_use") != 0 or gauges.get("waiting") != 0 or not 0 <= gauges.get("open", -1) <= 6:
        problems.append(f"the connection pool's books are off after the crash: {gauges}")
    hung = [t for t in threads if t.is_alive()]
    if hung:
        problems.append(f"{len(hung)} writer threads still waiting 30 s after the load stopped (a hang)")
    if not baton.alive():
        problems.append(f"baton serve died (exit {baton.proc.returncode})")
    elif request(baton.base, "GET", "/healthz", timeout=5).status != 200:
        problems.append("/healthz does not answer 200 after the crash")

    failed = [a for a in attempts if a.error]
    if failed:
        problems.append(f"{len(failed)} requests got no HTTP answer, e.g. {failed[0].error} "
                        f"at t={failed[0].start - began:.2f}s")
    odd = [a for a in attempts if a.status not in (None, 201, 503)]
    for a in odd[:5]:
        problems.append(f"{a.kind} answered {a.status} at t={a.start - began:.2f}s: {a.reply.body[:300]!r}")
    unclear = [a for a in attempts if a.status == 503 and not is_clear_503(a.reply)]
    if unclear:
        problems.append(f"{len(unclear)} 503s without problem+json and Retry-After, e.g. {unclear[0].reply}")

    down = [a for a in attempts if t_dead <= a.start < t_restart]
    if not down:
        problems.append("no request was made while the server was down")
    not_503 = [a for a in down if a.status != 503]
    if not_503:
        problems.append(f"{len(not_503)} requests made while the server was down were not 503: "
                        f"{[(a.status, a.error) for a in not_503[:5]]}")
    slow = [a for a in attempts if a.status == 503 and a.elapsed >= MAX_503_SECONDS]
    if slow:
        problems.append(f"{len(slow)} answers 503 took {MAX_503_SECONDS}s or more, the slowest "
                        f"{max(a.elapsed for a in slow):.2f}s at t={slow[0].start - began:.2f}s")
    slowest_down = max((a.elapsed for a in down), default=0.0)
    if slowest_down >= MAX_503_SECONDS:
        problems.append(f"an answer while down took {slowest_down:.2f}s (limit {MAX_503_SECONDS}s)")
    if ready_down.status != 503:
        problems.append(f"/readyz while down answered {ready_down.status}")
    if ready_after.status != 200:
        problems.append(f"/readyz after the restart answered {ready_after.status}: {ready_after.body[:200]!r}")

    after = sorted((a for a in attempts if a.start >= t_back), key=lambda a: a.start)
    first_ok = next((a for a in after if a.status == 201), None)
    recovery = (first_ok.end - t_back) if first_ok else float("inf")
    if recovery > MAX_RECOVERY_SECONDS:
        problems.append(f"no 201 within {MAX_RECOVERY_SECONDS}s of the server coming back (first after {recovery:.2f}s)")
    late_failures = [a for a in after if a.start >= t_back + MAX_RECOVERY_SECONDS and a.status != 201]
    if late_failures:
        problems.append(f"{len(late_failures)} writes still failing more than {MAX_RECOVERY_SECONDS}s after the "
                        f"server came back, e.g. {late_failures[0].status} {late_failures[0].error}")

    # Every write answered 201 is there, by id, through psql and through the API.
    ok = [a for a in attempts if a.status == 201]
    stored = {}
    for kind, table in (("account", "accounts"), ("opportunity", "opportunities")):
        for line in cluster.psql(f"SELECT id, name FROM {table} WHERE name LIKE 'crash {kind} %'", db="baton").splitlines():
            i, n = line.split("|", 1)
            stored.setdefault((kind, n), []).append(int(i))
    lost = [a for a in ok if stored.get((a.kind, a.name)) != [a.id]]
    if lost:
        problems.append(f"{len(lost)} writes answered 201 are not in the database (or twice), e.g. "
                        f"{lost[0].kind} {lost[0].id} {lost[0].name!r}: {stored.get((lost[0].kind, lost[0].name))}")

    def read_back(a: Attempt):
        path = f"/api/v1/{'accounts' if a.kind == 'account' else 'opportunities'}/{a.id}"
        r = request(baton.base, "GET", path, token=token, timeout=10)
        return a, r
    with ThreadPoolExecutor(4) as pool:
        unreadable = [(a, r.status) for a, r in pool.map(read_back, ok) if r.status != 200 or r.json["name"] != a.name]
    if unreadable:
        problems.append(f"{len(unreadable)} writes answered 201 cannot be read back through the API, e.g. "
                        f"{unreadable[0][0].kind} {unreadable[0][0].id}: {unreadable[0][1]}")

    # A 503 whose transaction had in fact committed (the answer was lost with the
    # server) is replayed by the same Idempotency-Key; one that had not is created
    # now. Either way exactly one record per request afterwards.
    unanswered = [a for a in attempts if a.status != 201]
    replayed = 0
    for a in unanswered:
        path = "/api/v1/accounts" if a.kind == "account" else "/api/v1/opportunities"
        r = request(baton.base, "POST", path, a.body, token=token, headers={"Idempotency-Key": a.key}, timeout=10)
        if r.status != 201:
            problems.append(f"retrying a {a.status} {a.kind} with its Idempotency-Key answered {r.status}: {r.body[:200]!r}")
            break
        if r.header("idempotent-replayed") == "true":
            replayed += 1
    counts = cluster.psql("""
        SELECT name, count(*) FROM (SELECT name FROM accounts WHERE name LIKE 'crash account %'
                                    UNION ALL SELECT name FROM opportunities WHERE name LIKE 'crash opportunity %') x
        GROUP BY name HAVING count(*) <> 1""", db="baton")
    if counts:
        problems.append(f"requests that made more than one record: {counts.splitlines()[:5]}")

    problems += account_integrity_problems(cluster)
    problems += opportunity_integrity_problems(cluster)

    figures = {
        "requests": len(attempts), "answered_201": len(ok),
        "accounts_201": sum(a.kind == "account" for a in ok), "opportunities_201": len(ok) - sum(a.kind == "account" for a in ok),
        "answered_503": sum(a.status == 503 for a in attempts), "requests_while_down": len(down),
        "slowest_answer_while_down_s": round(slowest_down, 3),
        "median_answer_while_down_s": round(sorted(a.elapsed for a in down)[len(down) // 2], 4) if down else None,
        "postmaster_death_to_all_gone_s": round(t_dead - t_kill, 3), "restart_s": round(t_back - t_restart, 3),
        "recovery_after_server_back_s": round(recovery, 3),
        "committed_but_answered_503": replayed,
        "pool_after": gauges,
    }
    for k, v in figures.items():
        record_property(k, str(v))
    print("\nkill -9 figures:", figures)
    assert not problems, "\n".join(problems) + f"\nfigures: {figures}\nbaton log:\n{tail(baton.log())}"


def test_statement_timeout_is_a_clear_503(cluster, baton, launcher, token):
    """A statement that waits past `statement_timeout` (here: for a lock a psql
    session holds on the accounts table) is a 503, within the timeout plus a little,
    and stores nothing; Baton serves normally once the lock goes."""
    url = cluster.url("baton", options="-c statement_timeout=1500")
    timed = launcher.baton(url, name="timeout", demo="off", pool_size=2, log_level="warning")
    t = timed.sign_in()
    existing = timed.call("POST", "/api/v1/accounts", {"name": "timeout existing"}, token=t)
    assert existing.status == 201, existing

    holder = cluster.session(db="baton")
    try:
        holder.run("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        write = timed.call("POST", "/api/v1/accounts", {"name": "timeout write"}, token=t, timeout=30)
        read = timed.call("GET", f"/api/v1/accounts/{existing.json['id']}", token=t, timeout=30)
        ready = timed.call("GET", "/readyz", timeout=30)
        holder.run("ROLLBACK")
    finally:
        holder.close()
    log = timed.log()
    assert is_clear_503(write), (write, tail(log))
    assert 1.4 <= write.elapsed < 4.0, f"the write answered after {write.elapsed:.2f}s; statement_timeout is 1.5 s"
    assert is_clear_503(read), (read, tail(log))
    assert read.elapsed < 4.0
    assert ready.status == 200, "readiness does not touch the locked table"
    assert timed.alive()
    assert cluster.psql("SELECT count(*) FROM accounts WHERE name = 'timeout write'", db="baton") == "0"

    again = timed.call("POST", "/api/v1/accounts", {"name": "timeout write"}, token=t)
    assert again.status == 201, again
    assert "57014" in log or "queryCanceled" in log, "the 503 is logged with its cause"
    assert account_integrity_problems(cluster) == []


def test_full_disk_is_a_clear_503_and_recovers(cluster, baton, token):
    """The accounts table lives on a 2 MiB tmpfs (a tablespace) that a filler table
    then fills up: creating accounts must answer 503 (disk full, SQLSTATE 53100),
    not 500 and not a crash, and work again once space is freed."""
    try:
        disk = cluster.mount_tmpfs("tinydisk", "2m")
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {e.stderr.strip()}")
    cluster.psql(f"CREATE TABLESPACE tiny LOCATION '{disk}'")
    cluster.psql("ALTER TABLE accounts SET TABLESPACE tiny", db="baton")
    try:
        # No autovacuum (it would truncate the file and free the space), no
        # compression (the filler must take the room it says).
        cluster.psql("CREATE TABLE filler (x text) WITH (autovacuum_enabled = off) TABLESPACE tiny; "
                     "ALTER TABLE filler ALTER COLUMN x SET STORAGE PLAIN", db="baton")
        # The INSERT fails when the disk is full; its rolled-back pages keep the room.
        fill = cluster.psql("INSERT INTO filler SELECT repeat('x', 2000) FROM generate_series(1, 100000)",
                            db="baton", check=False)
        used = int(cluster.psql("SELECT pg_tablespace_size('tiny')"))
        assert used > 1_500_000, f"the tiny disk did not fill up ({used} bytes used): {fill}"

        answers = []
        for i in range(400):
            r = baton.call("POST", "/api/v1/accounts", {"name": f"disk full {i}"}, token=token)
            answers.append(r)
            if r.status != 201 and len([a for a in answers[-3:] if a.status == 503]) == 3:
                break
        statuses = [a.status for a in answers]
        assert set(statuses) <= {201, 503}, [a for a in answers if a.status not in (201, 503)][:3]
        assert statuses[-3:] == [503, 503, 503], f"the disk never filled up: {statuses[-10:]}"
        print(f"\ndisk full: {statuses.count(201)} accounts fitted, then {statuses.count(503)} answers 503, "
              f"slowest {max(a.elapsed for a in answers):.3f}s")
        assert all(is_clear_503(a) for a in answers if a.status == 503)
        assert max(a.elapsed for a in answers) < 2.0
        assert baton.alive()
        assert baton.call("GET", "/healthz").status == 200
        assert baton.call("GET", "/api/v1/accounts?limit=5", token=token).status == 200, "reads still work"
        assert "53100" in baton.log() or "diskFull" in baton.log()
        refused = [f"disk full {i}" for i, a in enumerate(answers) if a.status == 503]
        names = ",".join(f"'{n}'" for n in refused)
        assert cluster.psql(f"SELECT count(*) FROM accounts WHERE name IN ({names})", db="baton") == "0"

        cluster.psql("DROP TABLE filler", db="baton")
        again = baton.call("POST", "/api/v1/accounts", {"name": "disk freed"}, token=token)
        assert again.status == 201, again
        assert account_integrity_problems(cluster) == []
    finally:
        cluster.psql("DROP TABLE IF EXISTS filler", db="baton", check=False)
        cluster.psql("ALTER TABLE accounts SET TABLESPACE pg_default", db="baton", check=False)
        cluster.psql("DROP TABLESPACE IF EXISTS tiny", check=False)


def test_a_database_that_cannot_be_reached_is_named_with_the_reason(cluster, launcher):
    """`baton migrate` (and `serve` at start-up) against a server that is not there
    must say why, as libpq does ("Connection refused", the address), not only
    `Error: PostgresError(connectionFailed)`: the operator has nothing else to go
    on. libpq's connection message holds no data, only the address and the cause."""
    nowhere = launcher.baton(f"postgres://baton@127.0.0.1:{free_port()}/baton", name="nowhere", start=False)
    r = nowhere.migrate()
    said = (r.stdout + r.stderr).strip()
    assert r.returncode != 0
    assert "refused" in said.lower() or "127.0.0.1" in said, f"baton migrate only said: {said!r}"
