"""Email end to end (issue 20): a real SMTP server (aiosmtpd) on 127.0.0.1, a private
PostgreSQL cluster, and `baton serve` with SMTP_URL pointing at it.

- a returned proposal reaches its author by email exactly once, and in the app;
- an assignment change sends an updated invitation with the same UID and a higher
  SEQUENCE, and a removal sends a CANCEL;
- over TLS: a server offering STARTTLS and one speaking TLS from the first byte
  (`smtps://`), both with a self-signed certificate made here and trusted through
  SMTP_CA_FILE, receive the mail encrypted; a server whose certificate is not trusted
  receives nothing, and admins see the SMTP error;
- killing `baton serve` (SIGKILL) while 500 emails are pending loses none, and no
  event reaches its recipient as two different messages: a retried send carries the
  same Message-ID (the per-event key), so at most the one message in flight at the
  kill can arrive twice, recognisably the same.

Run as root (the cluster runs as `postgres`): `.venv/bin/pytest -q -p no:cacheprovider e2e/live/test_mail.py`.
"""
from __future__ import annotations

import email
import email.policy
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402

from harness import Baton, Cluster, free_port, wait_for  # noqa: E402


class Inbox:
    """Every message the SMTP server accepted, parsed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        message["X-Came-Over-TLS"] = "yes" if session.ssl else "no"
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def cluster():
    c = Cluster("mail")
    try:
        c.init().start()
        yield c
    finally:
        c.destroy()


def mail_env(port: int) -> dict:
    return {"SMTP_URL": f"smtp://127.0.0.1:{port}", "MAIL_FROM": "baton@demo.test", "BATON_PUBLIC_URL": "http://baton.test"}


@pytest.fixture(scope="module")
def baton(cluster, smtp):
    _, port = smtp
    b = Baton(cluster.create_database("baton"), name="mail", demo="people", log_level="warning", env=mail_env(port))
    try:
        b.start()
        yield b
    finally:
        b.destroy()


def ok(reply, status=200):
    assert reply.status == status, (reply.status, reply.body[:500])
    return reply.json


def proposal_for_review(b: Baton, admin: str, dev: str, name: str) -> int:
    """Dev writes a proposal with Grace (a project manager) as reviewer and submits it."""
    people = {u["email"]: u["id"] for u in ok(b.call("GET", "/api/v1/users?limit=200", token=admin))["items"]}
    dev_id, grace_id = people["dev.patel@demo.test"], people["grace.kim@demo.test"]
    account = ok(b.call("POST", "/api/v1/accounts", {"name": name, "ownerId": dev_id}, token=admin), 201)
    opportunity = ok(b.call("POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"Assessment for {name}", "stage": "proposal", "amount": "20000.00",
        "closeDate": "2027-03-31", "ownerId": dev_id}, token=admin), 201)
    p = ok(b.call("POST", f"/api/v1/opportunities/{opportunity['id']}/proposals", {
        "lines": [{"description": "Advice", "quantity": "2", "unit": "hour", "unitPrice": "150.00"}],
        "proposedStart": "2027-04-05"}, token=dev), 201)
    ok(b.call("PATCH", f"/api/v1/proposals/{p['id']}", {"reviewerId": grace_id}, token=dev, headers={"If-Match": '"1"'}))
    ok(b.call("POST", f"/api/v1/proposals/{p['id']}/submit", {}, token=dev))
    return p["id"]


def part(message, content_type: str) -> str | None:
    for p in message.walk():
        if p.get_content_type() == content_type:
            return p.get_content()
    return None


def test_a_returned_proposal_reaches_its_author_by_email_exactly_once(baton, smtp):
    inbox, _ = smtp
    admin = baton.sign_in()
    dev = baton.sign_in("dev.patel@demo.test")
    grace = baton.sign_in("grace.kim@demo.test")
    pid = proposal_for_review(baton, admin, dev, "Returned Co")
    ok(baton.call("POST", f"/api/v1/proposals/{pid}/return", {"comment": "Add a <b>discovery</b> phase & dates"}, token=grace))

    def returned():
        return [m for m in inbox.to("dev.patel@demo.test") if "Returned Co" in str(m["Subject"]) and "returned" in str(m["Subject"])]
    wait_for(lambda: len(returned()) >= 1, 30, 0.2, what="the returned-proposal email")
    time.sleep(3)  # a second delivery would have come by now (the worker polls every 2 s)
    mails = returned()
    assert len(mails) == 1, [str(m["Subject"]) for m in mails]
    m = mails[0]
    assert m["From"] == "baton@demo.test"
    assert str(m["Message-ID"]).startswith("<proposal-returned.")
    text = part(m, "text/plain")
    html = part(m, "text/html")
    assert "Comment: Add a <b>discovery</b> phase & dates" in text
    assert "Add a &lt;b&gt;discovery&lt;/b&gt; phase &amp; dates" in html and "<b>discovery" not in html
    assert f"http://baton.test/proposals/{pid}" in text
    # In the app too, once.
    items = ok(baton.call("GET", "/api/v1/notifications", token=dev))["items"]
    assert len([n for n in items if n["kind"] == "proposal-returned" and n["entityId"] == pid]) == 1
    # The reviewer heard of the submission, by email as well.
    assert any("Returned Co" in str(x["Subject"]) for x in inbox.to("grace.kim@demo.test"))


def test_an_assignment_change_updates_the_invitation_and_a_removal_cancels_it(baton, smtp):
    import icalendar

    inbox, _ = smtp
    admin = baton.sign_in()
    dev = baton.sign_in("dev.patel@demo.test")
    grace = baton.sign_in("grace.kim@demo.test")
    pid = proposal_for_review(baton, admin, dev, "Invited Inc")
    ok(baton.call("POST", f"/api/v1/proposals/{pid}/approve", {}, token=grace))
    ok(baton.call("POST", f"/api/v1/proposals/{pid}/send", {}, token=dev))
    accepted = ok(baton.call("POST", f"/api/v1/proposals/{pid}/accept", {}, token=dev))
    project_id = accepted["project"]["id"]
    ivy = next(u for u in ok(baton.call("GET", "/api/v1/users?limit=200", token=admin))["items"] if u["email"] == "ivy.chen@demo.test")
    a = ok(baton.call("POST", f"/api/v1/projects/{project_id}/assignments", {
        "userId": ivy["id"], "role": "Consultant", "start": "2027-04-05", "end": "2027-04-09", "hoursPerWeek": "20",
        "location": "12 Dock Road, Oakland"}, token=admin), 201)
    ok(baton.call("PATCH", f"/api/v1/projects/{project_id}/assignments/{a['id']}", {"end": "2027-04-16"}, token=admin,
                  headers={"If-Match": f'"{a["version"]}"'}))
    removed = baton.call("DELETE", f"/api/v1/projects/{project_id}/assignments/{a['id']}", token=admin,
                         headers={"If-Match": f'"{a["version"] + 1}"'})
    assert removed.status == 204, removed.body

    def invitations():
        found = []
        for m in inbox.to("ivy.chen@demo.test"):
            ics = part(m, "text/calendar")
            if ics and f"assignment-{a['id']}@baton" in ics:
                found.append(icalendar.Calendar.from_ical(ics))
        return found
    wait_for(lambda: len(invitations()) >= 3, 30, 0.2, what="three invitations")
    cals = invitations()
    assert len(cals) == 3
    events = [(str(c["METHOD"]), next(iter(c.walk("VEVENT")))) for c in cals]
    events.sort(key=lambda e: int(e[1]["SEQUENCE"]))
    assert [m for m, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({str(e["UID"]) for _, e in events}) == 1
    assert [int(e["SEQUENCE"]) for _, e in events] == [0, 1, 2]
    assert str(events[0][1]["LOCATION"]) == "12 Dock Road, Oakland"
    assert str(events[1][1]["DTEND"].to_ical().decode()) == "20270417"


def test_killing_baton_while_500_emails_are_pending_loses_none_and_sends_none_as_two(cluster, smtp):
    inbox, port = smtp
    url = cluster.create_database("kill")
    # Events made by a Baton without email: they wait in the outbox.
    quiet = Baton(url, name="quiet", demo="people", log_level="warning")
    try:
        quiet.start()
        admin = quiet.sign_in()
        dev = quiet.sign_in("dev.patel@demo.test")
        grace = quiet.sign_in("grace.kim@demo.test")
        pid = proposal_for_review(quiet, admin, dev, "Kill Test")
        for i in range(250):
            ok(quiet.call("POST", f"/api/v1/proposals/{pid}/return", {"comment": f"Round {i}"}, token=grace))
            if i < 249:
                ok(quiet.call("POST", f"/api/v1/proposals/{pid}/submit", {}, token=dev))
    finally:
        quiet.destroy()
    pending = cluster.psql("SELECT count(*) FROM notification_deliveries WHERE status = 'pending'", db="kill").strip()
    assert int(pending) == 500, pending

    def kill_mail():
        return [m for m in inbox.messages if "Kill Test" in str(m["Subject"])]
    first = Baton(url, name="first", demo="people", log_level="warning", env=mail_env(port), migrate=False)
    try:
        first.start()
        wait_for(lambda: len(kill_mail()) >= 40, 60, 0.01, what="some of the 500 emails")
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        sent_before = len(kill_mail())
        assert sent_before < 500, "the kill came after everything was sent; the test proved nothing"
    finally:
        first.destroy()
    # Two servers drain the rest together.
    second = Baton(url, name="second", demo="people", log_level="warning", env=mail_env(port), migrate=False)
    third = Baton(url, name="third", demo="people", log_level="warning", env=mail_env(port), migrate=False)
    try:
        second.start()
        third.start()
        wait_for(lambda: len({str(m["Message-ID"]) for m in kill_mail()}) >= 500, 120, 0.2, what="all 500 emails")
        time.sleep(3)
        ids = [str(m["Message-ID"]) for m in kill_mail()]
        assert len(set(ids)) == 500, "every event reached its recipient"
        # At most the message in flight at the kill came twice, with the same Message-ID.
        assert len(ids) <= 501, f"{len(ids) - 500} messages sent twice"
        left = cluster.psql("SELECT count(*) FROM notification_deliveries WHERE status <> 'sent'", db="kill").strip()
        assert int(left) == 0
    finally:
        second.destroy()
        third.destroy()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost, made with `cryptography`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "baton test mail")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.mark.parametrize("mode", ["starttls", "smtps", "untrusted"])
def test_mail_goes_over_tls_to_a_server_whose_certificate_is_trusted(cluster, certificate, mode):
    import ssl

    cert_file, key_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    port = free_port()
    if mode == "smtps":
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context)
    else:
        # The server refuses any mail before STARTTLS.
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    env = {"SMTP_URL": f"{'smtps' if mode == 'smtps' else 'smtp'}://127.0.0.1:{port}", "MAIL_FROM": "baton@demo.test",
           "BATON_PUBLIC_URL": "http://baton.test"}
    if mode != "untrusted":
        env["SMTP_CA_FILE"] = cert_file
    b = Baton(cluster.create_database(f"tls_{mode}"), name=f"tls-{mode}", demo="people", log_level="warning", env=env)
    try:
        b.start()
        admin = b.sign_in()
        dev = b.sign_in("dev.patel@demo.test")
        proposal_for_review(b, admin, dev, f"TLS {mode} Co")
        if mode == "untrusted":
            # The handshake fails: nothing arrives, and the error waits for admins.
            def failed():
                items = ok(b.call("GET", "/api/v1/notifications/deliveries", token=admin))["items"]
                return [d for d in items if d.get("lastError")]
            errors = wait_for(failed, 30, 0.5, what="the TLS error among the deliveries")
            assert inbox.count() == 0
            assert errors
            return
        wait_for(lambda: len(inbox.to("grace.kim@demo.test")) >= 1, 30, 0.2, what="the review request over TLS")
        m = inbox.to("grace.kim@demo.test")[0]
        assert f"TLS {mode} Co" in str(m["Subject"])
        if mode == "starttls":
            assert m["X-Came-Over-TLS"] == "yes"
        # (An smtps server speaks nothing but TLS: the message arriving is the proof.)
    finally:
        b.destroy()
        controller.stop()
