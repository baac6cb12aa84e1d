"""Reports on a streaming replica (REPLICA_DATABASE_URL, Sources/BatonApp/Reports/ReportReader.swift).

A primary, a hot standby made from it with `pg_basebackup -R` over 127.0.0.1, and
`baton serve` with DATABASE_URL on the primary, REPLICA_DATABASE_URL on the standby
and REPLICA_MAX_LAG_SECONDS=2. Writes go to the primary; the reports read the
replica while it is at most 2 s behind, and say who answered in `Baton-Data-Source`
(`replica`, `primary; replica N s behind`, `primary; replica unavailable`) and how
far behind the replica was in `Baton-Replica-Lag`:

1. a won deal made through the API shows in the attainment report once the replica
   has replayed it, answered by the replica with a small lag;
2. with replay paused on the replica, a newer deal shows anyway, because after 2 s
   the reports read the primary and say the replica is N s behind;
3. with replay resumed, the replica answers again, with the newer deal;
4. with the replica stopped, every report still answers 200, from the primary,
   saying the replica is unavailable.

Then the same promise (a report never misses a write made more than 2 s before it
was asked for; an unreachable replica is passed over) where the replica's lag is
harder to see: a replica cut off from the primary, one restarted with its replay
paused, and one that stops answering.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import time
from decimal import Decimal

import pytest

from harness import Cluster, free_port, processes_in, wait_for

MAX_LAG = 2
REPORTS = ["attainment", "forecast", "pipeline", "sales-performance", "delivery", "growth"]
HUNG_REPLICA_BOUND = 10.0  # seconds a report may take with a replica that stopped answering (connect_timeout is 5)


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


class Observation:
    """One attainment report: status, the two headers, and the admin's own credit."""

    def __init__(self, reply, credited: Decimal | None, at: float):
        self.reply = reply
        self.status = reply.status
        self.source = reply.header("baton-data-source")
        self.lag_text = reply.header("baton-replica-lag")
        self.lag = float(self.lag_text) if self.lag_text is not None else None
        self.credited = credited
        self.at = at

    def __repr__(self):
        return (f"<{self.status} Baton-Data-Source={self.source!r} Baton-Replica-Lag={self.lag_text!r} "
                f"credited={self.credited} at +{self.at:.1f}s>")


class Setup:
    def __init__(self, primary: Cluster, replica: Cluster, baton):
        self.primary, self.replica, self.baton = primary, replica, baton
        self.began = time.monotonic()
        self.token = baton.sign_in()
        me = baton.call("GET", "/api/v1/me", token=self.token)
        assert me.status == 200, me
        self.admin_id = me.json["id"]
        # Won "yesterday" in UTC: never in the future for the server, whatever its zone.
        self.closed_on = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
        self.period = f"{self.closed_on.year:04d}-{self.closed_on.month:02d}"
        account = baton.call("POST", "/api/v1/accounts", {"name": "Replica Test Ltd"}, token=self.token)
        assert account.status == 201, account
        self.account_id = account.json["id"]

    def observe(self, timeout: float = 10.0) -> Observation:
        r = self.baton.call("GET", f"/api/v1/reports/attainment?period={self.period}", token=self.token,
                            timeout=timeout)
        credited = None
        if r.status == 200:
            rows = [row for row in r.json["rows"] if row["userId"] == self.admin_id and not row["rollup"]]
            assert len(rows) == 1, f"the admin's own row is missing or repeated: {r.json}"
            credited = Decimal(rows[0]["credited"])
        return Observation(r, credited, time.monotonic() - self.began)

    def poll(self, until, timeout: float, what: str) -> Observation:
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            o = self.observe()
            seen.append(o)
            assert o.status < 500, f"{what}: a report answered {o.status}: {o.reply}\n{tail(self.baton.log())}"
            if until(o):
                return o
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout}s; last answers: {seen[-5:]}\n"
                            f"replica: {self.replica_state()}\nbaton log:\n{tail(self.baton.log())}")
            time.sleep(0.1)

    def replica_state(self) -> str:
        if not self.replica.started:
            return "stopped"
        return self.replica.psql(
            "SELECT 'received ' || pg_last_wal_receive_lsn() || ', replayed ' || pg_last_wal_replay_lsn() || ', '"
            " || pg_get_wal_replay_pause_state() || ', last replayed commit '"
            " || coalesce((now() - pg_last_xact_replay_timestamp())::text || ' ago', 'none since start')"
            " || ', receiver ' || coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')",
            check=False, timeout=10)

    def won_deal(self, name: str, amount: str) -> dict:
        opp = self.baton.call("POST", "/api/v1/opportunities",
                              {"accountId": self.account_id, "name": name, "stage": "closed_won", "amount": amount,
                               "closeDate": self.closed_on.isoformat(), "closedOn": self.closed_on.isoformat()},
                              token=self.token)
        assert opp.status == 201, opp
        assert opp.json["stage"] == "closed_won", opp.json
        return opp.json

    def primary_credit(self) -> Decimal:
        """The admin's won credit for the period, read from the primary with psql."""
        return Decimal(self.primary.psql(
            "SELECT sum(c.amount) FROM opportunity_credit_totals c JOIN pipeline_stages st ON st.key = c.stage_key "
            f"AND st.is_won WHERE c.user_id = {self.admin_id} AND to_char(c.month, 'YYYY-MM') = '{self.period}'",
            db="baton")).quantize(Decimal("0.01"))

    def replica_streaming_and_caught_up(self):
        """Starts the replica if it is stopped, and waits until it streams and has
        replayed everything the primary has written."""
        if not self.replica.started:
            self.replica.start()
        wait_for(lambda: self.replica.psql("SELECT status FROM pg_stat_wal_receiver") == "streaming", 15, 0.1,
                 what="the replica to stream from the primary")
        lsn = self.primary.psql("SELECT pg_current_wal_lsn()")
        wait_for(lambda: self.replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t", 10, 0.05,
                 what="the replica to replay everything the primary wrote")
        self.poll(lambda o: o.source == "replica", 5, "the replica to answer the reports")


@pytest.fixture(scope="module")
def setup(cluster, module_launcher):
    primary = cluster
    url = primary.create_database("baton")
    replica = Cluster("replica-standby")
    try:
        replica.init_replica(primary).start()
        wait_for(lambda: replica.psql("SELECT status FROM pg_stat_wal_receiver") == "streaming", 15, 0.1,
                 what="the replica to stream from the primary")
        assert replica.psql("SELECT pg_is_in_recovery()") == "t"
        baton = module_launcher.baton(url, name="replica", demo="people", pool_size=4, log_level="warning",
                                      env={"REPLICA_DATABASE_URL": f"postgres://baton@127.0.0.1:{replica.port}/baton",
                                           "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG)})
        yield Setup(primary, replica, baton)
    finally:
        module_launcher.close()  # baton first, while both servers are still up
        replica.destroy()


def test_reports_read_the_replica_fall_back_to_the_primary_and_come_back(setup):
    s = setup
    replica, baton, token = s.replica, s.baton, s.token

    # The replica answers while nothing is waiting to be replayed.
    base = s.poll(lambda o: o.source == "replica", 10, "a first report from the replica")
    assert base.status == 200 and base.lag is not None and base.lag <= MAX_LAG, base
    print(f"\nbefore any deal: {base}")

    # 1. A won deal shows once the replica has replayed it, answered by the replica.
    s.won_deal("Replica One", "1000.00")
    first_total = base.credited + Decimal("1000.00")
    one = s.poll(lambda o: o.source == "replica" and o.credited == first_total, 5,
                 "step 1: the won deal in the replica's attainment report")
    assert one.lag is not None and 0 <= one.lag <= MAX_LAG, f"step 1: the replica's lag is not small: {one}"
    print(f"step 1, replayed: {one}")
    manager = baton.sign_in("morgan.reyes@demo.test")  # not an admin: row-level security on the replica too
    for who, t in (("admin", token), ("manager", manager)):
        for name in REPORTS:
            r = baton.call("GET", f"/api/v1/reports/{name}", token=t)
            assert r.status == 200, (who, name, r)
            assert r.header("baton-data-source") == "replica", (who, name, r.headers)
            assert 0 <= float(r.header("baton-replica-lag")) <= MAX_LAG, (who, name, r.headers)

    # 2. Replay paused: the newer deal is received but not replayed; past 2 s the
    #    reports read the primary, say how far behind the replica is, and show it.
    replica.psql("SELECT pg_wal_replay_pause()")
    try:
        wait_for(lambda: replica.psql("SELECT pg_get_wal_replay_pause_state()") == "paused", 5,
                 what="replay to pause on the replica")
        s.won_deal("Replica Two", "2500.00")
        written_at = time.monotonic()
        second_total = first_total + Decimal("2500.00")
        wait_for(lambda: replica.psql("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()") == "t", 5,
                 what="the replica to receive WAL that it does not replay")
        assert replica.psql("SELECT count(*) FROM opportunities WHERE name = 'Replica Two'", db="baton") == "0", \
            "the replica replayed the second deal although replay was paused"
        print(f"step 2, just after the write: {s.observe()}")
        time.sleep(max(0.0, MAX_LAG + 0.5 - (time.monotonic() - written_at)))
        behind = s.poll(lambda o: (o.source or "").startswith("primary; replica"), 5,
                        "step 2: the reports to pass over the paused replica")
        print(f"step 2, paused past {MAX_LAG} s: {behind}")
        assert behind.status == 200, behind
        assert behind.lag is not None and behind.lag > MAX_LAG, \
            f"step 2: Baton-Replica-Lag is not over {MAX_LAG}: {behind}"
        assert behind.source == f"primary; replica {int(behind.lag)} s behind", f"step 2: {behind}"
        assert behind.credited == second_total, f"step 2: the primary's figures lack the new deal: {behind}"
        for name in REPORTS:
            r = baton.call("GET", f"/api/v1/reports/{name}", token=token)
            assert r.status == 200, (name, r)
            source = r.header("baton-data-source") or ""
            assert source.startswith("primary; replica ") and source.endswith(" s behind"), (name, r.headers)
            assert float(r.header("baton-replica-lag")) > MAX_LAG, (name, r.headers)
    finally:
        # 3. Replay resumed: the replica catches up and answers again, with the new deal.
        replica.psql("SELECT pg_wal_replay_resume()")
    resumed_at = time.monotonic()
    back = s.poll(lambda o: o.source == "replica", 5, "step 3: the replica to answer again after resuming replay")
    print(f"step 3, resumed: {back} ({time.monotonic() - resumed_at:.2f}s after resuming)")
    assert back.credited == second_total, f"step 3: the replica's figures lack the new deal: {back}"
    assert back.lag is not None and back.lag <= MAX_LAG, back

    # 4. The replica stopped: every report answers 200 from the primary and says so.
    replica.stop()
    stopped_at = time.monotonic()
    down = s.observe()
    print(f"step 4, replica stopped: {down}")
    assert down.status == 200, f"step 4: {down.reply}\n{tail(baton.log())}"
    assert down.source == "primary; replica unavailable", f"step 4: {down}"
    assert down.lag is None, f"step 4: a lag header with no replica to measure: {down}"
    assert down.credited == second_total, f"step 4: {down}"
    for _ in range(3):
        for name in REPORTS:
            r = baton.call("GET", f"/api/v1/reports/{name}", token=token)
            assert r.status == 200, (name, r, tail(baton.log()))
            assert r.header("baton-data-source") == "primary; replica unavailable", (name, r.headers)
            assert r.header("baton-replica-lag") is None, (name, r.headers)
            assert r.elapsed < 2, f"{name} took {r.elapsed:.2f}s with the replica down"
    print(f"step 4: 18 more reports answered 200 from the primary in {time.monotonic() - stopped_at:.2f}s")
    # Writes never needed the replica.
    s.won_deal("Replica Three", "10.00")
    assert s.observe().credited == second_total + Decimal("10.00")
    assert baton.alive(), tail(baton.log())


def test_a_replica_cut_off_from_the_primary_is_passed_over(setup):
    """The replica's WAL receiver loses the primary (wrong primary_conninfo after a
    password change, pg_hba, a network split between the two, ...). It has replayed
    all it received, but it receives nothing: a deal written more than 2 s ago is
    missing from it, so the reports must read the primary."""
    s = setup
    replica = s.replica
    s.replica_streaming_and_caught_up()
    conninfo = replica.psql("SHOW primary_conninfo")
    replica.psql(f"ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port={free_port()} user=postgres'")
    replica.psql("SELECT pg_reload_conf()")
    try:
        wait_for(lambda: replica.psql("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'") == "0",
                 10, 0.1, what="the replica's WAL receiver to lose the primary")
        s.won_deal("Cut Off", "300.00")
        time.sleep(MAX_LAG + 1)
        expected = s.primary_credit()
        o = s.observe()
        print(f"\ncut off, {MAX_LAG + 1} s after a write: {o}; replica {s.replica_state()}")
        assert o.status == 200, o.reply
        assert o.credited == expected and (o.source or "").startswith("primary"), (
            f"a replica that has received nothing from the primary for over {MAX_LAG + 1} s answered a report "
            f"without the deal written then (the primary has {expected}): {o}; replica {s.replica_state()}")
    finally:
        replica.psql(f"ALTER SYSTEM SET primary_conninfo = '{conninfo.replace(chr(39), chr(39) * 2)}'")
        replica.psql("SELECT pg_reload_conf()")
    s.replica_streaming_and_caught_up()


def test_a_restarted_replica_with_replay_paused_is_passed_over(setup):
    """After a restart pg_last_xact_replay_timestamp() is NULL until the replica
    replays a commit. With replay paused (or held up) it receives the new deal but
    does not replay it; more than 2 s later the reports must read the primary."""
    s = setup
    primary, replica = s.primary, s.replica
    s.replica_streaming_and_caught_up()
    for attempt in range(3):
        # A checkpoint replayed just before the restart leaves no commit to replay on the way up
        # (unless autovacuum commits meanwhile: then try again).
        primary.psql("CHECKPOINT")
        lsn = primary.psql("SELECT pg_current_wal_lsn()")
        wait_for(lambda: replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t", 10, 0.05,
                 what="the replica to replay the checkpoint")
        replica.stop()
        replica.start()
        replica.psql("SELECT pg_wal_replay_pause()")
        if replica.psql("SELECT pg_last_xact_replay_timestamp() IS NULL") == "t":
            break
        replica.psql("SELECT pg_wal_replay_resume()")
    else:
        pytest.fail("could not restart the replica without it replaying a commit on the way up")
    try:
        wait_for(lambda: replica.psql("SELECT pg_get_wal_replay_pause_state()") == "paused", 5,
                 what="replay to pause on the replica")
        s.won_deal("After Restart", "40.00")
        wait_for(lambda: replica.psql("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()") == "t", 5,
                 what="the replica to receive WAL that it does not replay")
        time.sleep(MAX_LAG + 1)
        expected = s.primary_credit()
        o = s.observe()
        print(f"\nrestarted, paused, {MAX_LAG + 1} s after a write: {o}; replica {s.replica_state()}")
        assert o.status == 200, o.reply
        assert o.credited == expected and (o.source or "").startswith("primary; replica"), (
            f"a replica that has not replayed a deal written {MAX_LAG + 1} s ago answered a report without it "
            f"(the primary has {expected}): {o}; replica {s.replica_state()}")
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")
    s.replica_streaming_and_caught_up()


def test_a_replica_that_stops_answering_is_passed_over(setup):
    """Every process of the replica stopped (SIGSTOP), as a host that hangs or drops
    off the network: connections are not refused, nothing comes back. A report must
    not wait on it for long; it reads the primary instead."""
    s = setup
    replica = s.replica
    s.replica_streaming_and_caught_up()  # and the replica's pool holds idle connections
    stopped = processes_in(replica.data)
    assert stopped, "no replica processes found"
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        try:
            o = s.observe(timeout=HUNG_REPLICA_BOUND)
        except OSError as e:  # socket.timeout
            pytest.fail(f"a report waited over {HUNG_REPLICA_BOUND:.0f} s on a replica that stopped answering "
                        f"instead of reading the primary ({e!r})")
        print(f"\nhung replica: {o} in {time.monotonic() - began:.1f}s")
        assert o.status == 200, o.reply
        assert o.source == "primary; replica unavailable", o
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass  # a backend that was already exiting when stopped, reaped once the postmaster went on
    s.replica_streaming_and_caught_up()
