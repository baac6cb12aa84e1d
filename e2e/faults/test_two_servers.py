"""Two `baton serve` processes against one database (issue 9, item 3, first bullet):
the app keeps no state between requests, so a client may alternate between them
freely: sign in on one and use the token on the other, create on one and read or
change (with If-Match) on the other; idempotency keys, optimistic concurrency and
sign-in throttling hold across both, because all of it lives in PostgreSQL.
"""
from __future__ import annotations

import threading
import uuid

import pytest

from harness import ADMIN_EMAIL, PASSWORD, REPO, request


@pytest.fixture(scope="module")
def servers(cluster, module_launcher):
    url = cluster.create_database("baton")
    a = module_launcher.baton(url, name="a", demo="people", pool_size=4, log_level="warning")
    b = module_launcher.baton(url, name="b", demo="people", pool_size=4, log_level="warning", migrate=False)
    return a, b


def test_a_sign_in_on_one_server_is_good_on_the_other_until_signed_out_on_either(servers):
    a, b = servers
    signed_in = a.call("POST", "/api/v1/sessions", {"email": ADMIN_EMAIL, "password": PASSWORD})
    assert signed_in.status == 201
    token = signed_in.json["token"]

    me_b = b.call("GET", "/api/v1/me", token=token)
    assert me_b.status == 200, me_b
    assert me_b.json["email"] == ADMIN_EMAIL
    assert a.call("GET", "/api/v1/me", token=token).json == me_b.json

    # The browser's session cookie, set by B, is good on A.
    cookie_reply = b.call("POST", "/api/v1/sessions", {"email": "dev.patel@demo.test", "password": PASSWORD})
    cookie = cookie_reply.header("set-cookie").split(";", 1)[0]
    assert cookie.startswith("baton_session=")
    by_cookie = a.call("GET", "/api/v1/me", headers={"Cookie": cookie})
    assert by_cookie.status == 200 and by_cookie.json["email"] == "dev.patel@demo.test", by_cookie

    # Signing out on B ends the session on A too.
    assert b.call("DELETE", "/api/v1/sessions/current", token=token).status == 204
    assert a.call("GET", "/api/v1/me", token=token).status == 401
    assert b.call("GET", "/api/v1/me", token=token).status == 401


def test_create_on_one_read_and_change_with_if_match_on_the_other(servers):
    a, b = servers
    token = a.sign_in()

    created = a.call("POST", "/api/v1/accounts", {"name": "Two Servers Ltd", "industry": "Logistics"}, token=token)
    assert created.status == 201, created
    account = created.json
    assert created.header("etag") == '"1"'

    read_b = b.call("GET", f"/api/v1/accounts/{account['id']}", token=token)
    assert read_b.status == 200 and read_b.json == account
    assert read_b.header("etag") == '"1"'

    changed_b = b.call("PATCH", f"/api/v1/accounts/{account['id']}", {"industry": "Freight"}, token=token,
                       headers={"If-Match": read_b.header("etag")})
    assert changed_b.status == 200, changed_b
    assert changed_b.header("etag") == '"2"'

    # A still holding version 1 is refused, and sees B's change when it reads.
    stale_a = a.call("PATCH", f"/api/v1/accounts/{account['id']}", {"industry": "Rail"}, token=token,
                     headers={"If-Match": '"1"'})
    assert stale_a.status == 412, stale_a
    read_a = a.call("GET", f"/api/v1/accounts/{account['id']}", token=token)
    assert read_a.json["industry"] == "Freight" and read_a.header("etag") == '"2"'
    no_precondition = a.call("PATCH", f"/api/v1/accounts/{account['id']}", {"industry": "Rail"}, token=token)
    assert no_precondition.status == 428, no_precondition

    # An opportunity made on B, moved on A, read back on B with its history.
    opp = b.call("POST", "/api/v1/opportunities", {"accountId": account["id"], "name": "Depot network",
                                                   "stage": "qualification", "amount": "50000.00",
                                                   "closeDate": "2027-03-31"}, token=token)
    assert opp.status == 201, opp
    moved = a.call("PATCH", f"/api/v1/opportunities/{opp.json['id']}", {"stage": "proposal"}, token=token,
                   headers={"If-Match": opp.header("etag")})
    assert moved.status == 200, moved
    again_b = b.call("GET", f"/api/v1/opportunities/{opp.json['id']}", token=token)
    assert again_b.json["stage"] == "proposal" and again_b.header("etag") == moved.header("etag")
    history = b.call("GET", f"/api/v1/opportunities/{opp.json['id']}/history", token=token)
    assert history.status == 200, history
    assert len(history.json["items"]) == 2, history.json

    timeline = b.call("GET", f"/api/v1/accounts/{account['id']}/timeline", token=token)
    assert timeline.status == 200, timeline


def test_an_idempotency_key_used_on_one_server_replays_on_the_other(servers):
    a, b = servers
    token = a.sign_in()
    key = str(uuid.uuid4())
    body = {"name": "Replay Works Inc"}
    first = a.call("POST", "/api/v1/accounts", body, token=token, headers={"Idempotency-Key": key})
    assert first.status == 201
    again = b.call("POST", "/api/v1/accounts", body, token=token, headers={"Idempotency-Key": key})
    assert again.status == 201, again
    assert again.json["id"] == first.json["id"]
    assert again.header("idempotent-replayed") == "true"
    other = b.call("POST", "/api/v1/accounts", {"name": "Something else"}, token=token, headers={"Idempotency-Key": key})
    assert other.status == 422, other


def test_concurrent_patches_with_one_if_match_across_both_servers_one_wins(servers):
    a, b = servers
    token = a.sign_in()
    created = a.call("POST", "/api/v1/accounts", {"name": "Race Account"}, token=token)
    path = f"/api/v1/accounts/{created.json['id']}"
    replies = []
    gate = threading.Barrier(10)

    def patch(i):
        server = (a, b)[i % 2]
        gate.wait()
        replies.append(request(server.base, "PATCH", path, {"industry": f"race {i}"}, token=token,
                               headers={"If-Match": '"1"'}, timeout=20))
    threads = [threading.Thread(target=patch, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] + [412] * 9, statuses
    final = b.call("GET", path, token=token)
    assert final.header("etag") == '"2"'
    winner = next(r for r in replies if r.status == 200)
    assert final.json["industry"] == winner.json["industry"]


def test_failed_sign_ins_are_counted_across_both_servers(servers):
    a, b = servers
    email = "nobody.alternating@demo.test"
    statuses = [(a, b)[i % 2].call("POST", "/api/v1/sessions", {"email": email, "password": "wrong"}).status
                for i in range(5)]
    assert statuses == [401] * 5
    for server in (a, b):
        refused = server.call("POST", "/api/v1/sessions", {"email": email, "password": "wrong"})
        assert refused.status == 429, (server.name, refused)
        assert refused.header("retry-after")


def test_two_servers_starting_at_once_on_an_empty_database(cluster, launcher):
    """Both apply the migrations and load the demo people themselves, at the same
    moment: each migration is applied once, each person exists once, both serve."""
    url = cluster.create_database("baton_race")
    first = launcher.baton(url, name="race1", demo="people", pool_size=2, log_level="warning", start=False, migrate=False)
    second = launcher.baton(url, name="race2", demo="people", pool_size=2, log_level="warning", start=False,
                            migrate=False)
    first.start(wait_ready=False)
    second.start(wait_ready=False)
    first.wait_ready()
    second.wait_ready()
    files = sorted(p.name for p in (REPO / "sql").glob("[0-9][0-9][0-9][0-9]_*.sql"))
    assert cluster.psql("SELECT string_agg(file, ',' ORDER BY file) FROM schema_migrations",
                        db="baton_race").split(",") == files
    people = cluster.psql("SELECT count(*), count(DISTINCT email) FROM users", db="baton_race")
    total, distinct = map(int, people.split("|"))
    assert total == distinct > 1, people
    for server in (first, second):
        assert server.sign_in()
