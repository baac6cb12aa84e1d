#!/usr/bin/env python3
"""Every page of the demo firm, as each of its roles sees it, timed one request at a time.

Issue 19 asks every page to answer under 50 ms at p95 at the demo's size. The pages are
found, not listed: for each demo person this signs in, follows the links of the pages it
reaches from home (GET only, Baton's own addresses, at most two records of each kind of
page), then fetches each page `--rounds` times after a warm-up and prints each page's
p50 and p95. Run by bench/demo-pages.sh against a fresh demo firm; it can also be pointed
at any running Baton with the demo firm loaded.
"""
import argparse
import html.parser
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# One person per role of the demo firm (Sources/BatonApp/Demo/DemoFirm.swift).
PEOPLE = [
    ("admin", "admin@demo.test"),
    ("manager (sales)", "morgan.reyes@demo.test"),
    ("manager (delivery)", "priya.shah@demo.test"),
    ("account manager", "ana.torres@demo.test"),
    ("sales", "dev.patel@demo.test"),
    ("project manager", "felix.braun@demo.test"),
    ("consultant", "ivy.chen@demo.test"),
]

# Addresses that are not pages to time: files, feeds, exports, the API and sign-out.
SKIP = re.compile(r"^/(static|api|sign-out|sign-in|metrics|health)(/|$)|\.(csv|ics|js|css|png|svg|json)(\?|$)|[?&]format=")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.found.append(href)


def shape(path):
    """The kind of page an address is: record ids and query values replaced."""
    parts = urllib.parse.urlsplit(path)
    p = re.sub(r"/\d+", "/{id}", parts.path)
    if parts.query:
        keys = sorted(k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        p += "?" + "&".join(k + "=…" for k in keys)
    return p


class Client:
    def __init__(self, base, token):
        self.base = base
        self.token = token

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Accept": "text/html", "Cookie": "baton_session=" + self.token})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                status, final = r.status, r.geturl()
        except urllib.error.HTTPError as e:
            body, status, final = e.read(), e.code, path
        return status, final, body, (time.perf_counter() - start) * 1000


def sign_in(base, email, password):
    req = urllib.request.Request(base + "/api/v1/sessions", method="POST",
                                 data=json.dumps({"email": email, "password": password}).encode(),
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def crawl(client, limit, per_shape):
    """The pages reachable from home, breadth first: at most `per_shape` of each kind."""
    queue, seen, shapes, pages = ["/"], {"/"}, {}, []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        status, final, body, _ = client.get(path)
        if status != 200 or urllib.parse.urlsplit(final).path != urllib.parse.urlsplit(path).path:
            continue
        pages.append(path)
        parser = Links()
        parser.feed(body.decode("utf-8", "replace"))
        for href in parser.found:
            u = urllib.parse.urlsplit(urllib.parse.urljoin(client.base + path, href))
            if u.netloc != urllib.parse.urlsplit(client.base).netloc:
                continue
            target = u.path + ("?" + u.query if u.query else "")
            if target in seen or SKIP.search(target):
                continue
            s = shape(target)
            if shapes.get(s, 0) >= per_shape:
                continue
            shapes[s] = shapes.get(s, 0) + 1
            seen.add(target)
            queue.append(target)
    return pages


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--password", default="baton-demo")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--limit", type=int, default=60, help="pages per person at most")
    ap.add_argument("--per-shape", type=int, default=2, help="records of each kind of page")
    ap.add_argument("--target-ms", type=float, default=50)
    ap.add_argument("--json", help="write every page's figures here")
    a = ap.parse_args()

    rows = []
    for role, email in PEOPLE:
        client = Client(a.base_url, sign_in(a.base_url, email, a.password))
        for path in crawl(client, a.limit, a.per_shape):
            for _ in range(a.warmup):
                client.get(path)
            times, size = [], 0
            for _ in range(a.rounds):
                status, _, body, ms = client.get(path)
                if status != 200:
                    break
                times.append(ms)
                size = len(body)
            if len(times) < a.rounds:
                rows.append({"role": role, "path": path, "failed": True})
                continue
            rows.append({"role": role, "path": path, "shape": shape(path), "bytes": size,
                         "p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times)})

    timed = [r for r in rows if not r.get("failed")]
    over = [r for r in timed if r["p95"] >= a.target_ms]
    failed = [r for r in rows if r.get("failed")]
    print(f"| role | page | bytes | p50 ms | p95 ms |")
    print(f"| --- | --- | ---: | ---: | ---: |")
    for r in sorted(timed, key=lambda r: -r["p95"]):
        flag = " **over**" if r["p95"] >= a.target_ms else ""
        print(f"| {r['role']} | `{r['path']}` | {r['bytes']:,} | {r['p50']:.1f} | {r['p95']:.1f}{flag} |")
    print()
    print(f"{len(timed)} pages timed for {len(PEOPLE)} people, {a.rounds} requests each after {a.warmup} to warm up; "
          f"slowest p95 {max((r['p95'] for r in timed), default=0):.1f} ms; "
          f"{len(over)} at or over {a.target_ms:g} ms; {len(failed)} failed")
    for r in failed:
        print(f"failed: {r['role']} {r['path']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main())
