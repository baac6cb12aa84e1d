"""Baton behind PgBouncer in transaction pooling mode (issue 9, item 3, third bullet).

PgBouncer hands each transaction to whichever server connection is free, so nothing
session-level may outlive a transaction: no plain SET, no session advisory lock, no
named prepared statement, no temporary table without ON COMMIT DROP. To make any such
leak visible, PgBouncer here keeps ONE server connection for Baton's pool of four, and
afterwards a psql client is handed that same server connection and looks at what is
left on it.

The server's own defaults are deliberately not Baton's (TimeZone America/Denver,
DateStyle 'SQL, DMY'), so that a session that lost Baton's pinned settings shows.

Baton pins each connection's settings with the libpq `options` startup parameter
(`-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=iso_8601
-c extra_float_digits=3`, Sources/Postgres/ConnectionConfiguration.swift).
PgBouncer (1.18, Debian 12) refuses any `options` startup parameter unless it is
listed in `ignore_startup_parameters` ("unsupported startup parameter: options"),
and when it is listed the settings are dropped, not applied. The first test states
what is required (Baton works behind PgBouncer as PgBouncer comes: it fails until
Baton stops sending `options`); the second that Baton never runs on the server's own
settings; the rest run the workaround that works today (docs/operations.md,
"Several processes, and PgBouncer") and check that nothing leaks.
"""
from __future__ import annotations

import shutil
import threading

import pytest

from harness import ADMIN_EMAIL

SERVER_DEFAULTS = ("ALTER SYSTEM SET TimeZone = 'America/Denver'; ALTER SYSTEM SET DateStyle = 'SQL, DMY'; "
                   "SELECT pg_reload_conf()")
BATON_SETTINGS = ("ALTER DATABASE {db} SET TimeZone = 'UTC'; ALTER DATABASE {db} SET DateStyle = 'ISO, YMD'; "
                  "ALTER DATABASE {db} SET IntervalStyle = 'iso_8601'; ALTER DATABASE {db} SET extra_float_digits = 3")


@pytest.fixture(scope="module", autouse=True)
def pgbouncer_installed():
    if not (shutil.which("pgbouncer") or shutil.which("/usr/sbin/pgbouncer")):
        pytest.fail("pgbouncer is not installed (Debian package pgbouncer; scripts/install-deps.sh test)")


@pytest.fixture(scope="module")
def server(cluster):
    for sql in SERVER_DEFAULTS.split("; "):
        cluster.psql(sql)
    return cluster


def why(baton, bouncer) -> str:
    r = baton.migrate_result
    out = (r.stdout + r.stderr) if r else ""
    logged = [line for line in bouncer.log().splitlines() if "WARNING" in line or "closing because" in line]
    return f"baton migrate said:\n{out[-800:]}\npgbouncer logged:\n" + "\n".join(logged[-5:]) + \
        f"\nbaton serve log:\n{baton.log()[-1500:]}"


def dates_are_pinned(server, bouncer, baton, db: str):
    """Dates and times go in and come out as UTC and ISO, and Baton's settings stay
    with Baton: another client of the same pool still gets the server's defaults."""
    token = baton.sign_in()
    account = baton.call("POST", "/api/v1/accounts", {"name": "Zoned"}, token=token)
    assert account.status == 201, account
    opp = baton.call("POST", "/api/v1/opportunities", {"accountId": account.json["id"], "name": "Dated",
                                                       "stage": "qualification", "amount": "1.00",
                                                       "closeDate": "2027-01-02"}, token=token)
    assert opp.status == 201 and opp.json["closeDate"] == "2027-01-02", opp
    assert opp.json["createdAt"].endswith("Z")
    stored = server.psql(f"SELECT to_char(close_date, 'YYYY-MM-DD') || ' ' || "
                         f"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') "
                         f"FROM opportunities WHERE id = {opp.json['id']}", db=db)
    assert stored == "2027-01-02 " + opp.json["createdAt"][:16], (stored, opp.json)
    seen = bouncer.psql("SHOW TimeZone", db).stdout.strip()
    assert seen == "America/Denver", f"Baton's TimeZone leaked to another client of the pool: {seen}"


def test_baton_works_behind_pgbouncer_as_it_comes(server, launcher):
    """The required behaviour: PgBouncer in transaction mode with no special
    configuration for Baton. Today this fails: Baton sends the `options` startup
    parameter, which PgBouncer refuses, so `baton migrate` and `baton serve`
    cannot connect at all."""
    server.create_database("baton_plain")
    bouncer = launcher.bouncer(server, {"baton_plain": "baton_plain"}, pool_size=1)
    baton = launcher.baton(bouncer.url("baton_plain"), name="plain", demo="people", pool_size=4, start=False)
    migrated = baton.migrate()
    assert migrated.returncode == 0, "baton migrate through PgBouncer failed\n" + why(baton, bouncer)
    baton.do_migrate = False
    baton.start()
    dates_are_pinned(server, bouncer, baton, "baton_plain")


def test_with_options_ignored_baton_never_runs_on_the_servers_own_settings(server, launcher):
    """`ignore_startup_parameters = options` lets the connection through but drops
    Baton's settings, so the session has the server's TimeZone and DateStyle. Baton
    must then either refuse to run (today: `Connection.checkSession`), or pin the
    settings itself in a way PgBouncer keeps per client (what the fix will do); it
    must never read and write dates in the server's zone and style."""
    server.create_database("baton_unpinned")
    bouncer = launcher.bouncer(server, {"baton_unpinned": "baton_unpinned"}, pool_size=1,
                               extra="ignore_startup_parameters = options, extra_float_digits")
    baton = launcher.baton(bouncer.url("baton_unpinned"), name="unpinned", demo="people", pool_size=4, start=False)
    migrated = baton.migrate()
    assert "unsupported startup parameter" not in bouncer.log(), "PgBouncer let the connection through"
    if migrated.returncode != 0:
        assert server.psql("SELECT to_regclass('public.accounts') IS NULL", db="baton_unpinned") == "t"
        return
    baton.do_migrate = False
    baton.start()
    dates_are_pinned(server, bouncer, baton, "baton_unpinned")


@pytest.fixture(scope="module")
def behind_bouncer(server, module_launcher):
    """The workaround that works today: PgBouncer ignores `options`, and the
    database carries Baton's settings as its own defaults."""
    server.create_database("baton")
    server.psql(BATON_SETTINGS.format(db="baton"))
    bouncer = module_launcher.bouncer(server, {"baton": "baton"}, pool_size=1,
                                      extra="ignore_startup_parameters = options, extra_float_digits")
    baton = module_launcher.baton(bouncer.url("baton"), name="bounced", demo="people", pool_size=4,
                                  log_level="warning")
    return server, bouncer, baton


def test_sign_in_create_read_and_patch_with_if_match_through_pgbouncer(behind_bouncer):
    _, _, baton = behind_bouncer
    token = baton.sign_in()
    me = baton.call("GET", "/api/v1/me", token=token)
    assert me.status == 200 and me.json["email"] == ADMIN_EMAIL

    created = baton.call("POST", "/api/v1/accounts", {"name": "Pooled Ltd", "domain": "pooled.example"}, token=token)
    assert created.status == 201, created
    assert created.json["createdAt"].endswith("Z")
    path = f"/api/v1/accounts/{created.json['id']}"
    read = baton.call("GET", path, token=token)
    assert read.status == 200 and read.json == created.json
    changed = baton.call("PATCH", path, {"industry": "Pools"}, token=token, headers={"If-Match": read.header("etag")})
    assert changed.status == 200 and changed.header("etag") == '"2"', changed
    stale = baton.call("PATCH", path, {"industry": "Ponds"}, token=token, headers={"If-Match": '"1"'})
    assert stale.status == 412, stale
    assert baton.call("GET", path, token=token).json["industry"] == "Pools"

    again = baton.call("POST", "/api/v1/accounts", {"name": "Once Only"}, token=token, headers={"Idempotency-Key": "k-1"})
    replay = baton.call("POST", "/api/v1/accounts", {"name": "Once Only"}, token=token, headers={"Idempotency-Key": "k-1"})
    assert again.status == replay.status == 201 and replay.json["id"] == again.json["id"]


def test_a_proposal_from_draft_to_project_through_pgbouncer(behind_bouncer):
    _, _, baton = behind_bouncer
    token = baton.sign_in()
    pms = baton.call("GET", "/api/v1/users?q=felix", token=token)
    assert pms.status == 200, pms
    felix = next(u for u in pms.json["items"] if u["email"] == "felix.braun@demo.test")
    account = baton.call("POST", "/api/v1/accounts", {"name": "Proposal Client"}, token=token).json
    opp = baton.call("POST", "/api/v1/opportunities", {"accountId": account["id"], "name": "Site survey",
                                                       "stage": "proposal", "amount": "12000.00",
                                                       "closeDate": "2027-02-26"}, token=token)
    assert opp.status == 201, opp
    proposal = baton.call("POST", f"/api/v1/opportunities/{opp.json['id']}/proposals",
                          {"reviewerId": felix["id"],
                           "lines": [{"description": "Survey", "quantity": "2", "unitPrice": "5000.00"},
                                     {"description": "Travel", "quantity": "1", "unitPrice": "1500.00"}]},
                          token=token)
    assert proposal.status == 201, proposal
    pid = proposal.json["id"]
    edited = baton.call("PATCH", f"/api/v1/proposals/{pid}", {"terms": "Net 30"}, token=token,
                        headers={"If-Match": proposal.header("etag")})
    assert edited.status == 200, edited
    for action in ("submit", "approve", "send"):
        moved = baton.call("POST", f"/api/v1/proposals/{pid}/{action}", {}, token=token)
        assert moved.status == 200, (action, moved)
    accepted = baton.call("POST", f"/api/v1/proposals/{pid}/accept", {}, token=token)
    assert accepted.status == 200, accepted
    assert accepted.json["proposal"]["status"] == "accepted"
    assert accepted.json["opportunity"]["amount"] == "11500.00"
    project = baton.call("GET", f"/api/v1/projects/{accepted.json['project']['id']}", token=token)
    assert project.status == 200, project


def test_a_csv_import_through_pgbouncer(behind_bouncer):
    """Imports use temporary tables (ON COMMIT DROP) and COPY inside one transaction."""
    _, _, baton = behind_bouncer
    token = baton.sign_in()
    csv = "externalId,name,industry\nimp-1,Imported One,Retail\nimp-2,Imported Two,Energy\n"
    for attempt in range(2):  # twice: the second run updates, and finds no leftover temp table
        r = baton.call("POST", "/api/v1/imports/accounts", raw=csv.encode(), token=token,
                       headers={"Content-Type": "text/csv"}, timeout=20)
        assert r.status == 200, (attempt, r)
    listed = baton.call("GET", "/api/v1/accounts?q=Imported", token=token)
    assert sorted(a["name"] for a in listed.json["items"]) == ["Imported One", "Imported Two"]


def test_concurrent_callers_with_different_scopes_never_see_each_others_rows(behind_bouncer):
    """Four callers of two scopes, through one server connection: if a role or
    acting user set by one request outlived its transaction, another request would
    see more, or less, than its own scope."""
    _, _, baton = behind_bouncer
    admin = baton.sign_in()
    dev = baton.sign_in("dev.patel@demo.test")
    dev_id = baton.call("GET", "/api/v1/me", token=dev).json["id"]
    for i in range(3):
        assert baton.call("POST", "/api/v1/accounts", {"name": f"Dev's account {i}", "ownerId": dev_id},
                          token=admin).status == 201
        assert baton.call("POST", "/api/v1/accounts", {"name": f"Admin's account {i}"}, token=admin).status == 201

    def names(token):
        r = baton.call("GET", "/api/v1/accounts?limit=200", token=token)
        assert r.status == 200, r
        return sorted(a["name"] for a in r.json["items"])
    expected = {"admin": names(admin), "dev": names(dev)}
    assert len(expected["dev"]) < len(expected["admin"]), expected
    assert all(n.startswith("Dev's") for n in expected["dev"]), expected["dev"]

    mismatches, errors = [], []
    target = baton.call("POST", "/api/v1/accounts", {"name": "Opportunity holder"}, token=admin).json
    expected["admin"] = names(admin)

    def reader(who, token):
        try:
            for _ in range(25):
                got = names(token)
                if got != expected[who]:
                    mismatches.append((who, got))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    def writer():
        try:
            for i in range(25):
                r = baton.call("POST", "/api/v1/opportunities", {"accountId": target["id"], "name": f"Pooled {i}",
                                                                 "stage": "qualification", "amount": "10.00",
                                                                 "closeDate": "2027-06-30"}, token=admin)
                if r.status != 201:
                    errors.append(repr(r))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
    threads = [threading.Thread(target=reader, args=("admin", admin)), threading.Thread(target=reader, args=("dev", dev)),
               threading.Thread(target=reader, args=("dev", dev)), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert not mismatches, mismatches[:3]


def test_nothing_session_level_is_left_on_the_shared_server_connection(behind_bouncer):
    """After everything above, a psql client is handed the one server connection
    Baton's transactions ran on, and finds it as a fresh session would be."""
    cluster, bouncer, baton = behind_bouncer
    token = baton.sign_in()
    assert baton.call("GET", "/api/v1/accounts", token=token).status == 200
    r = bouncer.psql("""
        SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = 'baton'
                  AND backend_type = 'client backend') AS server_connections,
               current_user, session_user,
               coalesce(current_setting('baton.acting_user', true), '') AS acting_user,
               (SELECT count(*) FROM pg_prepared_statements) AS prepared,
               (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') AS advisory_locks,
               (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp_tables,
               (SELECT count(*) FROM pg_cursors) AS cursors,
               current_setting('TimeZone') AS tz, current_setting('DateStyle') AS datestyle,
               current_setting('statement_timeout') AS statement_timeout,
               current_setting('search_path') AS search_path,
               current_setting('default_transaction_isolation') AS isolation,
               current_setting('default_transaction_read_only') AS read_only
        """, "baton")
    fields = r.stdout.strip().split("|")
    names = ["server_connections", "current_user", "session_user", "acting_user", "prepared", "advisory_locks",
             "temp_tables", "cursors", "tz", "datestyle", "statement_timeout", "search_path", "isolation", "read_only"]
    state = dict(zip(names, fields))
    assert state["server_connections"] == "1", f"PgBouncer should use one server connection: {state}"
    assert state == {
        "server_connections": "1", "current_user": "baton", "session_user": "baton", "acting_user": "",
        "prepared": "0", "advisory_locks": "0", "temp_tables": "0", "cursors": "0", "tz": "UTC",
        "datestyle": "ISO, YMD", "statement_timeout": "0", "search_path": '"$user", public',
        "isolation": "read committed", "read_only": "off",
    }, state
    idle_in_tx = cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'baton' "
                              "AND state LIKE 'idle in transaction%'")
    assert idle_in_tx == "0"
    assert baton.alive()
