#!/usr/bin/env python3
"""The benchmark cases, run by bench/run.sh against a running `baton serve` and its
PostgreSQL: wrk over HTTP, pgbench on the same SQL, the CSV import against
`psql \\copy`, and the table of results (printed, and saved under bench/results/).

Standard library only. Each case runs a short warm-up, then a measured run of
--duration seconds; the server's resident memory is sampled during each HTTP run
and its kernel peak (VmHWM, reset before each run) is read after it.
"""
import argparse
import base64
import contextlib
import datetime
import glob
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_SIZE = 50
DEEP_PAGE = 10_000


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


class RssMonitor:
    """Peak resident memory of one process during a run: sampled every 0.2 s, and
    the kernel's own high-water mark (VmHWM), reset at the start through clear_refs."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = None

    def _status(self, field):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            return 0
        return 0

    def rss_kb(self):
        return self._status("VmRSS")

    def __enter__(self):
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
        self.peak_kb = self.rss_kb()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.2):
            self.peak_kb = max(self.peak_kb, self.rss_kb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self.rss_kb(), self._status("VmHWM"))


class CpuMeter:
    """CPU seconds (user + system) used during a run by the baton process and by the
    PostgreSQL cluster (every live postgres process, plus what the postmaster has
    reaped from backends that ended meanwhile)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, baton_pid, postmaster_pid):
        self.baton_pid = baton_pid
        self.postmaster_pid = postmaster_pid

    @classmethod
    def _stat(cls, pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # After the comm: state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based over the whole line.
        return [int(x) for x in fields[11:15]], int(fields[1])

    def _postgres(self):
        total = 0
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            st = self._stat(pid)
            if st is None:
                continue
            (ut, stime, cut, cst), ppid = st
            if pid == self.postmaster_pid:
                total += ut + stime + cut + cst
            elif ppid == self.postmaster_pid:
                total += ut + stime
        return total / self.TICK

    def _baton(self):
        st = self._stat(self.baton_pid)
        return (st[0][0] + st[0][1]) / self.TICK if st else 0.0

    def _switches(self):
        """Context switches (voluntary and not) over all of baton's threads so far."""
        total = 0
        try:
            tasks = os.listdir(f"/proc/{self.baton_pid}/task")
        except OSError:
            return 0
        for tid in tasks:
            try:
                with open(f"/proc/{self.baton_pid}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def _children(self):
        return {int(p) for p in os.listdir("/proc")
                if p.isdigit() and (st := self._stat(int(p))) and st[1] == self.postmaster_pid}

    def __enter__(self):
        self._before = self._children()
        self._b0, self._p0 = self._baton(), self._postgres()
        self._s0 = self._switches()
        return self

    def __exit__(self, *exc):
        # Backends of connections that closed (pgbench's) count once the postmaster
        # has reaped them, through its cutime: wait for that, briefly.
        deadline = time.monotonic() + 3
        while self._children() - self._before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.baton_s = self._baton() - self._b0
        self.switches = self._switches() - self._s0
        self.postgres_s = self._postgres() - self._p0


class Bench:
    def __init__(self, args):
        self.a = args
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.out = os.path.join(args.results, stamp)
        os.makedirs(self.out, exist_ok=True)
        self.rows = []
        self.notes = []
        self.env = dict(os.environ, PGHOST=args.pg_host, PGPORT=str(args.pg_port), PGUSER="postgres")
        with open(os.path.join(args.pg_data, "postmaster.pid")) as f:
            self.postmaster = int(f.readline())

    # ------------------------------------------------------------------ helpers
    def sql(self, query):
        out = subprocess.run([self.a.psql, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.a.database, "-c", query],
                             env=self.env, check=True, capture_output=True, text=True).stdout
        return out.strip()

    def http(self, method, path, body=None, token=None, expect=(200,)):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.a.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if status not in expect:
            raise SystemExit(f"{method} {path}: HTTP {status}: {text[:500]}")
        return json.loads(text) if text else None

    def page(self, path, token, timeout=60):
        """Fetches a page with the session cookie, as a browser would. Returns None when it
        answered 200 at its own address, else what went wrong: a page that errs or does not
        answer within `timeout` seconds is recorded as a failed case and the run goes on."""
        req = urllib.request.Request(self.a.base_url + path)
        req.add_header("Accept", "text/html")
        req.add_header("Cookie", "baton_session=" + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                if r.status != 200 or r.geturl() != self.a.base_url + path:
                    return f"HTTP {r.status} at {r.geturl()}"
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}: {e.read().decode(errors='replace')[:300]}"
        except (TimeoutError, socket.timeout, urllib.error.URLError) as e:
            return f"no answer within {timeout} s ({e})"
        return None

    @staticmethod
    def failed(reason, timeout=60):
        """A case that could not be measured: no requests, its latency the time given up
        after, one error (so its target reads "no")."""
        ms = timeout * 1000.0
        return {"rps": 0.0, "p50": ms, "p95": ms, "p99": ms, "requests": 0, "errors": 1, "client_cpu_s": 0.0,
                "cpu_app_ms": None, "cpu_pg_ms": 0.0, "cpu_client_ms": 0.0, "switches": None, "failed": reason}

    @staticmethod
    def run(cmd, env):
        """Runs a load generator; returns its output, exit code and CPU seconds."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = p.communicate()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return out, err, p.returncode, cpu

    @staticmethod
    def cursor(key):
        raw = json.dumps(key, separators=(",", ":")).encode()
        return base64.b64encode(raw).decode().replace("+", "-").replace("/", "_").rstrip("=")

    # ------------------------------------------------------------------ set-up
    def prepare(self):
        a = self.a
        session = self.http("POST", "/api/v1/sessions", {"email": "admin@bench.test", "password": a.password}, expect=(200, 201))
        self.token = session["token"]
        self.token_hash = hashlib.sha256(self.token.encode()).hexdigest()
        self.admin_id = int(self.sql("SELECT id FROM users WHERE email = 'admin@bench.test'"))
        # Who the session belongs to, as the server remembers it after its first request: the
        # read's twin sends the same credential check (credential_holds) the server does.
        self.remembered = {
            "session_id": self.sql(f"SELECT id FROM sessions WHERE token_hash = decode('{self.token_hash}', 'hex')"),
            "person_id": self.admin_id,
            "person_name": self.sql(f"SELECT name FROM users WHERE id = {self.admin_id}"),
            "person_email": self.sql(f"SELECT email FROM users WHERE id = {self.admin_id}"),
            "person_roles": self.sql(f"SELECT roles::text FROM users WHERE id = {self.admin_id}"),
        }
        self.max_id = int(self.sql("SELECT max(id) FROM opportunities"))
        self.accounts = int(self.sql("SELECT count(*) FROM accounts"))
        self.opportunities = int(self.sql("SELECT count(*) FROM opportunities"))
        self.http("GET", "/api/v1/opportunities/1", token=self.token)
        # An account manager, for the read through the visibility rules.
        am = self.http("POST", "/api/v1/sessions", {"email": "am.001@bench.test", "password": a.password}, expect=(200, 201))
        self.am_token = am["token"]
        self.am_ids = self.sql("SELECT string_agg(id::text, ',') FROM (SELECT o.id FROM opportunities o JOIN accounts a "
                               "ON a.id = o.account_id JOIN users u ON u.id = a.owner_id WHERE u.email = 'am.001@bench.test' "
                               "ORDER BY o.id LIMIT 500) x")
        self.http("GET", "/api/v1/opportunities/" + self.am_ids.split(",")[0], token=self.am_token)

        # One creation through the API, to check the body and to copy the audit entry
        # it writes into the pgbench twin.
        self.stage, self.close_date = "prospecting", "2027-06-30"
        created = self.http("POST", "/api/v1/opportunities", {
            "accountId": 1, "name": "123456", "kind": "new_business", "stage": self.stage, "amount": "4321",
            "closeDate": self.close_date}, token=self.token, expect=(201,))
        self.changes = self.sql(f"SELECT changes::text FROM audit_log WHERE entity = 'opportunity' AND entity_id = {created['id']} "
                                "ORDER BY id DESC LIMIT 1")
        team = self.sql(f"SELECT string_agg(user_id::text, ',') || '|' || string_agg(role, ',') || '|' || string_agg(split_percent::text, ',') "
                        f"FROM opportunity_team WHERE opportunity_id = {created['id']}").split("|")
        self.team = ["{" + t + "}" for t in team]

        # Page 10,000 of 50: the cursor is base64url of the JSON sort key [close date, id]
        # of the last row of page 9,999, so it is built here instead of walked; page
        # 9,999's own nextCursor must be the same text, which proves it.
        def key_at(row):  # 1-based row number in the list's order
            d, i = self.sql("SELECT close_date, id FROM opportunities WHERE archived_at IS NULL "
                            f"ORDER BY close_date, id OFFSET {row - 1} LIMIT 1").split("|")
            return [d, i]
        self.deep_cursor = self.cursor(key_at((DEEP_PAGE - 1) * PAGE_SIZE))
        before = self.cursor(key_at((DEEP_PAGE - 2) * PAGE_SIZE))
        page = self.http("GET", f"/api/v1/opportunities?limit={PAGE_SIZE}&cursor={before}", token=self.token)
        if page["nextCursor"] != self.deep_cursor:
            raise SystemExit("the built cursor of page 10,000 is not what page 9,999 gives; the cursor format changed")
        page = self.http("GET", f"/api/v1/opportunities?limit={PAGE_SIZE}&cursor={self.deep_cursor}", token=self.token)
        if len(page["items"]) != PAGE_SIZE:
            raise SystemExit("page 10,000 is not full")

        today = datetime.date.today()
        q = (today.month - 1) // 3 + 1
        self.period = f"{today.year}-Q{q}"
        start = datetime.date(today.year, 3 * q - 2, 1)
        end = (datetime.date(today.year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - datetime.timedelta(days=1))
        self.quarter = (start.isoformat(), end.isoformat())
        log(f"signed in as admin (id {self.admin_id}); {self.opportunities:,} opportunities; period {self.period}")

    # ------------------------------------------------------------------ runners
    def wrk(self, name, script, connections, duration, extra_env=None, path="/"):
        env = dict(os.environ, BENCH_WRK_DIR=os.path.join(HERE, "wrk"), BENCH_TOKEN=self.token,
                   BENCH_MAX_ID=str(self.max_id), BENCH_ACCOUNTS=str(self.accounts), BENCH_STAGE=self.stage,
                   BENCH_CLOSE_DATE=self.close_date, BENCH_PASSWORD=self.a.password)
        env.update(extra_env or {})
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s",
               os.path.join(HERE, "wrk", script), self.a.base_url + path]
        stdout, stderr, code, cpu = self.run(cmd, env)
        with open(os.path.join(self.out, f"{name}.wrk.txt"), "a") as f:
            f.write(" ".join(cmd) + "\n" + stdout + stderr + "\n")
        line = next((l for l in stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
        if code != 0 or line is None:
            raise SystemExit(f"wrk failed for {name}: {stdout[-800:]}{stderr[-800:]}")
        r = json.loads(line[len("BENCH_JSON "):])
        seconds = r["duration_us"] / 1e6
        errors = r["errors_status"] + r["errors_connect"] + r["errors_read"] + r["errors_write"] + r["errors_timeout"]
        return {"rps": r["requests"] / seconds, "p50": r["p50_us"] / 1000, "p95": r["p95_us"] / 1000,
                "p99": r["p99_us"] / 1000, "requests": r["requests"], "errors": errors, "client_cpu_s": cpu}

    def pgbench(self, name, script, connections, duration, variables, mode="extended"):
        prefix = os.path.join(self.out, f"{name}.pgbench")
        for old in glob.glob(prefix + ".[0-9]*"):
            os.remove(old)
        cmd = [self.a.pgbench, "-n", "-M", mode, f"-c{connections}", "-j1", f"-T{duration}", "-f",
               os.path.join(HERE, "pgbench", script), "-l", f"--log-prefix={prefix}"]
        for k, v in variables.items():
            cmd += ["-D", f"{k}={v}"]
        cmd += [self.a.database]
        stdout, stderr, code, cpu = self.run(cmd, self.env)
        with open(os.path.join(self.out, f"{name}.pgbench.txt"), "a") as f:
            f.write(stdout + stderr + "\n")
        m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", stdout)
        if code != 0 or not m:
            raise SystemExit(f"pgbench failed for {name}: {stdout[-800:]}{stderr[-1500:]}")
        latencies = []
        for path in glob.glob(prefix + ".[0-9]*"):
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3 and parts[2].isdigit():
                        latencies.append(int(parts[2]))
            os.remove(path)
        latencies.sort()
        failed = re.search(r"number of failed transactions: (\d+)", stdout)
        return {"rps": float(m.group(1)), "p50": percentile(latencies, 50) / 1000, "p95": percentile(latencies, 95) / 1000,
                "p99": percentile(latencies, 99) / 1000, "requests": len(latencies),
                "errors": int(failed.group(1)) if failed else 0, "client_cpu_s": cpu}

    def measure_wrk(self, name, script, connections, path="/", extra_env=None):
        if self.a.warmup > 0:
            self.wrk(name, script, connections, self.a.warmup, extra_env, path)
        with RssMonitor(self.a.baton_pid) as rss, CpuMeter(self.a.baton_pid, self.postmaster) as cpu, \
                self.profiled(name, "wrk"):
            r = self.wrk(name, script, connections, self.a.duration, extra_env, path)
        r["rss_mb"] = rss.peak_kb / 1024
        return self.per_request(r, cpu)

    def measure_pgbench(self, name, script, connections, variables, mode="extended"):
        if self.a.warmup > 0:
            self.pgbench(name, script, connections, self.a.warmup, variables, mode)
        with CpuMeter(self.a.baton_pid, self.postmaster) as cpu, self.profiled(name, "pgbench"):
            r = self.pgbench(name, script, connections, self.a.duration, variables, mode)
        return self.per_request(r, cpu, app=False)

    @contextlib.contextmanager
    def profiled(self, name, tool):
        """With --profile (BENCH_PROFILE=read,create,…): a perf profile (cpu-clock
        samples) of the server and the cluster's processes during the measured run,
        summarised by thread, and by library and function for baton and for postgres.
        Only this bench's processes are recorded (the machine may be shared); perf
        starts a second into the run, once pgbench's backends exist."""
        if not self.a.profile or name not in self.a.profile.split(","):
            yield
            return
        data = os.path.join(self.out, f"{name}-{tool}.perf.data")
        state = {}

        def start():
            time.sleep(1.0)
            pids = [self.a.baton_pid, self.postmaster]
            for entry in os.listdir("/proc"):
                st = CpuMeter._stat(int(entry)) if entry.isdigit() else None
                if st and st[1] == self.postmaster:
                    pids.append(int(entry))
            state["perf"] = subprocess.Popen(
                ["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "-o", data, "-p", ",".join(map(str, pids))],
                stdout=subprocess.DEVNULL, stderr=open(data + ".log", "w"))

        starter = threading.Thread(target=start)
        starter.start()
        try:
            yield
        finally:
            starter.join()
            state["perf"].send_signal(2)
            state["perf"].wait()
            out_path = os.path.join(self.out, f"{name}-{tool}.perf.txt")
            with open(out_path, "w") as f:
                views = [("by thread", ["--sort", "comm"]),
                         ("baton by library", ["--pid", str(self.a.baton_pid), "--sort", "dso"]),
                         ("baton by function", ["--pid", str(self.a.baton_pid), "--sort", "dso,sym"]),
                         ("postgres by function", ["--comm", "postgres", "--sort", "dso,sym"])]
                for title, sort in views:
                    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "--percent-limit", "0.3",
                                          *sort], capture_output=True, text=True).stdout
                    f.write(f"===== {title}: perf report {' '.join(sort)}\n")
                    f.write("\n".join(l for l in out.splitlines() if l and not l.startswith("#")) + "\n\n")
            if os.path.exists(data):
                os.remove(data)
            else:
                log(f"perf recorded nothing: {open(data + '.log').read()[-500:]}")
            os.remove(data + ".log")
            log(f"profile of {name} ({tool}): {os.path.relpath(out_path, os.path.dirname(HERE))}")

    @staticmethod
    def per_request(r, cpu, app=True):
        """CPU milliseconds per request: the app server, PostgreSQL, the load generator."""
        n = max(r["requests"], 1)
        r["cpu_app_ms"] = cpu.baton_s * 1000 / n if app else None
        r["cpu_pg_ms"] = cpu.postgres_s * 1000 / n
        r["cpu_client_ms"] = r["client_cpu_s"] * 1000 / n
        r["switches"] = cpu.switches / n if app else None
        return r

    def add(self, case, tool, connections, result, twin=None, what="", prepared=None, admin=None):
        row = {"case": case, "tool": tool, "connections": connections, "what": what, **result}
        if twin is not None:
            row["ratio"] = result["rps"] / twin["rps"] if twin["rps"] else None
        if prepared is not None:
            row["ratio_prepared"] = result["rps"] / prepared["rps"] if prepared["rps"] else None
        if admin is not None:
            row["ratio_admin"] = result["rps"] / admin["rps"] if admin["rps"] else None
        self.rows.append(row)
        ratio = f", {row['ratio']:.2f} of pgbench" if row.get("ratio") is not None else ""
        ratio += f", {row['ratio_prepared']:.2f} of pgbench -M prepared" if row.get("ratio_prepared") is not None else ""
        ratio += f", {row['ratio_admin']:.2f} of the admin's read" if row.get("ratio_admin") is not None else ""
        ratio += f", {row['switches']:.1f} context switches/req" if row.get("switches") is not None else ""
        log(f"{case:<22} {tool:<8} {result['rps']:9.1f} req/s  p50 {result['p50']:7.2f} ms  p99 {result['p99']:8.2f} ms"
            f"  errors {result['errors']}{ratio}")

    # ------------------------------------------------------------------ cases
    def run_cases(self):
        a = self.a
        c = a.connections
        wanted = None if a.cases == "all" else set(a.cases.split(","))
        on = lambda name: wanted is None or name in wanted
        common = {"token_hash": self.token_hash, "idle": 30}

        admin_read = None
        if on("read"):
            variables = {**common, **self.remembered, "max_id": self.max_id}
            pg = self.measure_pgbench("read", "read.sql", c, variables)
            prepared = self.measure_pgbench("read-prepared", "read.sql", c, variables, mode="prepared")
            http = admin_read = self.measure_wrk("read", "read.lua", c)
            self.add("read", "pgbench", c, pg, what="credential check + SELECT of one opportunity, one round trip")
            self.add("read", "pgbench -M prepared", c, prepared, what="the same, prepared once per connection")
            self.add("read", "wrk", c, http, twin=pg, prepared=prepared, what="GET /api/v1/opportunities/{random id}")
        if on("read-am"):
            http = self.measure_wrk("read-am", "read.lua", c, extra_env={"BENCH_TOKEN": self.am_token, "BENCH_IDS": self.am_ids})
            self.add("read (account manager)", "wrk", c, http, admin=admin_read,
                     what="the same as an account manager, through the visibility rules")
        if on("create"):
            variables = {**common, "accounts": self.accounts, "owner": self.admin_id, "stage": self.stage,
                         "kind": "new_business", "close_date": self.close_date, "team_ids": self.team[0],
                         "team_roles": self.team[1], "team_splits": self.team[2], "entity": "opportunity",
                         "action": "create", "changes": self.changes}
            # BENCH_CREATE_CONNECTIONS=8,32: the same at more connections (creates must not queue on one row).
            for cc in [c] + [int(x) for x in os.environ.get("BENCH_CREATE_CONNECTIONS", "").split(",") if x.strip()]:
                label = "create" if cc == c else f"create ({cc} connections)"
                pg = self.measure_pgbench("create", "create.sql", cc, variables)
                http = self.measure_wrk("create", "create.lua", cc)
                self.add(label, "pgbench", cc, pg, what="session lookup + the create transaction (9 statements)")
                self.add(label, "wrk", cc, http, twin=pg, what="POST /api/v1/opportunities")
        if on("list"):
            first = self.measure_wrk("list-page-1", "get.lua", c, extra_env={"BENCH_PATH": f"/api/v1/opportunities?limit={PAGE_SIZE}"})
            self.add("list page 1", "wrk", c, first, what=f"GET /api/v1/opportunities?limit={PAGE_SIZE}")
            deep = self.measure_wrk("list-page-10000", "get.lua", c, extra_env={
                "BENCH_PATH": f"/api/v1/opportunities?limit={PAGE_SIZE}&cursor={self.deep_cursor}"})
            self.add("list page 10,000", "wrk", c, deep, what="the same, with the cursor of page 10,000")
        rc = a.report_connections
        start, end = self.quarter
        reports = [
            ("attainment", f"/api/v1/reports/attainment?period={self.period}"),
            ("forecast", f"/api/v1/reports/forecast?period={self.period}"),
            ("pipeline", f"/api/v1/reports/pipeline?period={self.period}"),
            ("sales-performance", f"/api/v1/reports/sales-performance?from={start}&to={end}"),
            ("delivery", f"/api/v1/reports/delivery?from={start}&to={end}"),
            ("growth", "/api/v1/reports/growth?weeks=12"),
        ] + [  # issue 22: margin by each grouping, over the year's time entries
            (f"profitability by {by}", f"/api/v1/reports/profitability?by={by}&from={start}&to={end}")
            for by in ("project", "account", "typical_project", "project_manager", "quarter")
        ]
        for name, path in reports:
            if on("reports") or on(name) or on(name.split()[0]):
                self.http("GET", path, token=self.token)
                r = self.measure_wrk(f"report-{name.replace(' ', '-')}", "get.lua", rc, extra_env={"BENCH_PATH": path})
                self.add(f"report {name}", "wrk", rc, r, what="GET " + path)
        # Issue 19: the global search (API) and the main pages, as the admin and as an
        # account manager (the pages run the same visibility rules as the API).
        if on("search"):
            for who, token in (("admin", self.token), ("account manager", self.am_token)):
                for word in ("Northwind", "Alex Smith", "555 0042"):
                    path = "/api/v1/search?q=" + urllib.parse.quote(word)
                    self.http("GET", path, token=token)
                    r = self.measure_wrk(f"search-{who.split()[0]}-{word.split()[0]}", "get.lua", rc,
                                         extra_env={"BENCH_PATH": path, "BENCH_TOKEN": token})
                    self.add(f"search \"{word}\" ({who})", "wrk", rc, r, what="GET " + path)
        if on("pages"):
            am_opportunity = self.am_ids.split(",")[0]
            am_account = self.sql(f"SELECT account_id FROM opportunities WHERE id = {am_opportunity}")
            pages = [
                ("home", "/"), ("accounts", "/accounts"), ("account", f"/accounts/{am_account}"),
                ("opportunities", "/opportunities"), ("opportunity", f"/opportunities/{am_opportunity}"),
                ("contacts", "/contacts"), ("pipeline", "/pipeline"), ("projects", "/projects"),
                ("tasks", "/tasks"), ("search page", "/search?q=Northwind"),
                ("pipeline report page", "/reports/pipeline"), ("profitability report page", "/reports/profitability"),
            ]
            # Margins are for managers and admins (docs/authorization.md): an account
            # manager's profitability page is a 403 by design, not a page to time.
            not_theirs = {"account manager": {"profitability report page"}}
            for who, token in (("admin", self.token), ("account manager", self.am_token)):
                for name, path in pages:
                    if name in not_theirs.get(who, ()):
                        continue
                    problem = self.page(path, token)
                    if problem:
                        log(f"page {name} ({who}): {problem}; recorded as failed")
                        self.add(f"page {name} ({who})", "wrk", rc, self.failed(problem), what="GET " + path + " (failed: " + problem[:80] + ")")
                        continue
                    r = self.measure_wrk(f"page-{who.split()[0]}-{name.replace(' ', '-')}", "get.lua", rc,
                                         extra_env={"BENCH_PATH": path, "BENCH_TOKEN": "", "BENCH_COOKIE": token})
                    if r["requests"] == 0:  # none finished within the run: not a latency of 0 ms
                        problem = f"no request finished within {a.duration} s"
                        log(f"page {name} ({who}): {problem}; recorded as failed")
                        r = {**self.failed(problem, timeout=a.duration), "cpu_pg_ms": r["cpu_pg_ms"]}
                    self.add(f"page {name} ({who})", "wrk", rc, r, what="GET " + path)
        if on("signin"):
            sc = min(c, 2)
            r = self.measure_wrk("signin", "signin.lua", sc)
            self.add("sign-in", "wrk", sc, r, what="POST /api/v1/sessions (bcrypt cost 10)")

    # ------------------------------------------------------------------ import
    def run_import(self):
        a = self.a
        wanted = None if a.cases == "all" else set(a.cases.split(","))
        if wanted is not None and "import" not in wanted:
            self.imports = None
            return
        n = a.import_rows
        path = os.path.join(a.data, f"import-{n}.csv")
        rnd = random.Random(7)
        run = time.strftime("%H%M%S")
        today = datetime.date.today()
        stages = ["prospecting", "qualification", "needs_analysis", "proposal", "negotiation"]
        with open(path, "w") as f:
            f.write("externalId,accountExternalId,name,kind,stage,amount,closeDate,ownerEmail,nextStep,source\n")
            for i in range(1, n + 1):
                won = i % 5 == 0
                close = today - datetime.timedelta(days=1 + i % 600) if won else today + datetime.timedelta(days=i % 700)
                f.write(f"imp-{run}-{i},acct-{rnd.randint(1, self.accounts):05d},Imported deal {i},new_business,"
                        f"{'closed_won' if won else stages[i % 5]},{rnd.randint(1000, 500000)}.00,{close.isoformat()},"
                        f"am.{1 + i % 60:03d}@bench.test,Call back,import\n")
        size_mb = os.path.getsize(path) / 1e6
        log(f"import: {n:,} rows ({size_mb:.1f} MB) with \\copy into a bare table, then baton import opportunities")

        self.sql("DROP TABLE IF EXISTS bench_copy_target")
        self.sql("CREATE TABLE bench_copy_target (external_id text, account_external_id text, name text, kind text, stage text, "
                 "amount text, close_date text, owner_email text, next_step text, source text)")
        self.sql("CHECKPOINT")
        copy_cmd = [a.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", a.database, "-c",
                    f"\\copy bench_copy_target FROM '{path}' WITH (FORMAT csv, HEADER true)"]
        copy_s, copy_rss, copy_out = self.timed(copy_cmd, self.env)
        copied = int(self.sql("SELECT count(*) FROM bench_copy_target"))
        self.sql("DROP TABLE bench_copy_target")
        self.sql("CHECKPOINT")

        # The import's statements that take 20 ms or more go to the cluster's log, to
        # tell the time in PostgreSQL from the time in the importing process.
        url = (f"postgres:///{a.database}?host={a.pg_host}&port={a.pg_port}&user=postgres"
               "&options=-c%20log_min_duration_statement%3D20")
        env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="warning")
        import_cmd = [a.baton, "import", "opportunities", path, "--as", "admin@bench.test"]
        pg_log = os.path.join(a.data, "postgres.log")
        log_start = os.path.getsize(pg_log) if os.path.exists(pg_log) else 0
        import_s, import_rss, import_out = self.timed(import_cmd, env)
        statements = []
        if os.path.exists(pg_log):
            with open(pg_log, errors="replace") as f:
                f.seek(log_start)
                for m in re.finditer(r"duration: ([0-9.]+) ms\s+(?:statement|execute [^:]*|parse [^:]*|bind [^:]*):\s*(.*)", f.read()):
                    statements.append((float(m.group(1)) / 1000, re.sub(r"\s+", " ", m.group(2)).strip()[:110]))
        statements.sort(reverse=True)
        sql_s = sum(t for t, _ in statements)
        with open(os.path.join(self.out, "import.txt"), "w") as f:
            f.write(" ".join(import_cmd) + "\n" + import_out[-5000:] + "\n\nstatements of 20 ms or more:\n")
            f.writelines(f"{t:8.2f} s  {text}\n" for t, text in statements)
        imported = int(self.sql(f"SELECT count(*) FROM opportunities WHERE external_id LIKE 'imp-{run}-%'"))
        os.remove(path)
        if copied != n or imported != n:
            raise SystemExit(f"import check failed: \\copy stored {copied}, baton import {imported}, of {n}\n{import_out[-2000:]}")
        same_s = self.copy_same_tables(run)
        self.imports = {"rows": n, "copy_s": copy_s, "same_s": same_s, "import_s": import_s, "ratio": same_s / import_s,
                        "bare_ratio": copy_s / import_s, "copy_rows_per_s": n / copy_s, "same_rows_per_s": n / same_s,
                        "import_rows_per_s": n / import_s, "import_rss_mb": import_rss / 1024,
                        "sql_s": sql_s, "top_statements": statements[:8]}
        log(f"import: \\copy into a bare table {copy_s:.2f} s, into the same tables {same_s:.2f} s, baton import {import_s:.2f} s "
            f"({sql_s:.1f} s in statements of 20 ms or more): {same_s / import_s:.3f} of \\copy's speed into the same tables")

    def copy_same_tables(self, run):
        """Issue 21's honest limit: the rows the import just stored (opportunities, their
        team, stage history and audit entries), written out and loaded back with `\\copy`
        into the same tables with the same indexes, constraints and triggers, in one
        transaction that is rolled back. Ids are moved past every existing one and external
        ids prefixed, so nothing collides with the rows they were taken from."""
        a = self.a
        offset = int(self.sql("SELECT max(id) FROM opportunities")) + 1
        mine = f"SELECT id FROM opportunities WHERE external_id LIKE 'imp-{run}-%'"
        tables = {
            "opportunities": (
                "id, version, account_id, name, kind, stage_key, amount, close_date, owner_id, probability_override, "
                "forecast_category_override, next_step, source, closed_on, lost_reason, stage_entered_at, external_id, "
                "archived_at, created_at, updated_at",
                f"SELECT id + {offset}, version, account_id, name, kind, stage_key, amount, close_date, owner_id, "
                "probability_override, forecast_category_override, next_step, source, closed_on, lost_reason, stage_entered_at, "
                f"'ref-' || external_id, archived_at, created_at, updated_at FROM opportunities WHERE id IN ({mine})"),
            "opportunity_team": (
                "opportunity_id, user_id, role, split_percent",
                f"SELECT opportunity_id + {offset}, user_id, role, split_percent FROM opportunity_team WHERE opportunity_id IN ({mine})"),
            "opportunity_stage_history": (
                "opportunity_id, from_stage, to_stage, changed_by, changed_at, amount, close_date, probability, forecast_category",
                f"SELECT opportunity_id + {offset}, from_stage, to_stage, changed_by, changed_at, amount, close_date, probability, "
                f"forecast_category FROM opportunity_stage_history WHERE opportunity_id IN ({mine})"),
            "audit_log": (
                "at, actor_id, entity, entity_id, action, changes",
                f"SELECT at, actor_id, entity, entity_id + {offset}, action, changes FROM audit_log "
                f"WHERE entity = 'opportunity' AND entity_id IN ({mine})"),
        }
        script = os.path.join(a.data, "copy-same-tables.sql")
        with open(script, "w") as f:
            f.write("BEGIN;\n")
            for table, (columns, _) in tables.items():
                f.write(f"\\copy {table} ({columns}) FROM '{os.path.join(a.data, table + '.copy')}'\n")
            f.write("ROLLBACK;\n")
        for table, (_, query) in tables.items():
            self.sql(f"\\copy ({query}) TO '{os.path.join(a.data, table + '.copy')}'")
        self.sql("CHECKPOINT")
        seconds, _, _ = self.timed([a.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", a.database, "-f", script], self.env)
        for table in tables:
            os.remove(os.path.join(a.data, table + ".copy"))
        os.remove(script)
        return seconds

    @staticmethod
    def timed(cmd, env):
        started = time.monotonic()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = []
        reader = threading.Thread(target=lambda: output.append(p.stdout.read()), daemon=True)
        reader.start()
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.monotonic() - started
        reader.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        text = (output[0] if output else b"").decode(errors="replace")
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:3])} failed ({p.returncode}): {text[-2000:]}")
        return seconds, usage.ru_maxrss, text

    # ------------------------------------------------------------------ the table
    def report(self):
        a = self.a
        machine = {
            "cpu": self.cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "postgresql": self.sql("SHOW server_version"),
            "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip(),
            "dirty": bool(subprocess.run(["git", "status", "--porcelain", "--", "Sources", "sql"], capture_output=True,
                                         text=True, cwd=os.path.dirname(HERE)).stdout.strip()),
        }
        lines = []
        w = lines.append
        w(f"Baton benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}: {machine['cores']} cores ({machine['cpu']}), "
          f"{machine['memory_gb']} GB, Linux {machine['kernel']}, PostgreSQL {machine['postgresql']}, "
          f"baton release build of {machine['git']}{' + uncommitted changes' if machine['dirty'] else ''}")
        w(f"Data: {self.opportunities:,} opportunities (generated in {a.generate_seconds} s). Each run: {a.warmup} s warm-up, "
          f"{a.duration} s measured; {a.connections} connections (reports {a.report_connections}), pgbench -M extended -j1, wrk -t1.")
        w("")
        w("| case | tool | conns | req/s | p50 ms | p95 ms | p99 ms | errors | vs pgbench | baton RSS peak MB "
          "| CPU ms/req: baton | postgres | client | baton context switches/req |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in self.rows:
            ratios = []
            if r.get("ratio") is not None:
                ratios.append(f"{r['ratio']:.2f}")
            if r.get("ratio_prepared") is not None:
                ratios.append(f"{r['ratio_prepared']:.2f} of -M prepared")
            if r.get("ratio_admin") is not None:
                ratios.append(f"{r['ratio_admin']:.2f} of the admin's")
            ratio = "; ".join(ratios)
            switches = f"{r['switches']:.1f}" if r.get("switches") is not None else ""
            rss = f"{r['rss_mb']:.0f}" if "rss_mb" in r else ""
            app = f"{r['cpu_app_ms']:.3f}" if r.get("cpu_app_ms") is not None else ""
            w(f"| {r['case']} | {r['tool']} | {r['connections']} | {r['rps']:.1f} | {r['p50']:.2f} | {r['p95']:.2f} | "
              f"{r['p99']:.2f} | {r['errors']} | {ratio} | {rss} | {app} | {r['cpu_pg_ms']:.3f} | {r['cpu_client_ms']:.3f} | {switches} |")
        if self.imports:
            i = self.imports
            w("")
            w("| import of the same CSV | rows | seconds | rows/s | vs \\copy |")
            w("| --- | ---: | ---: | ---: | ---: |")
            w(f"| psql \\copy into a bare table | {i['rows']:,} | {i['copy_s']:.2f} | {i['copy_rows_per_s']:,.0f} | "
              f"({i['bare_ratio']:.3f}) |")
            w(f"| psql \\copy of the stored rows into the same tables (opportunities, team, history, audit; rolled back) | "
              f"{i['rows']:,} | {i['same_s']:.2f} | {i['same_rows_per_s']:,.0f} | 1.00 |")
            w(f"| baton import opportunities (peak RSS {i['import_rss_mb']:.0f} MB) | {i['rows']:,} | {i['import_s']:.2f} | "
              f"{i['import_rows_per_s']:,.0f} | {i['ratio']:.3f} |")
            w("")
            w(f"Of the import's {i['import_s']:.1f} s, {i['sql_s']:.1f} s went to statements of 20 ms or more "
              "(bench/results/…/import.txt has them all):")
            w("")
            for t, text in i["top_statements"][:6]:
                w(f"- {t:.2f} s `{text}`")

        # The targets of docs ENGINEERING.md / issue 9.
        targets = []
        by = {(r["case"], r["tool"]): r for r in self.rows}
        # Issue 21's targets (issue 9's were 0.7 for read and create).
        for case in ("read", "create"):
            r = by.get((case, "wrk"))
            if r and r.get("ratio") is not None:
                targets.append((f"HTTP {case} vs pgbench -M extended on the same SQL", f"{r['ratio']:.2f}", ">= 0.80", r["ratio"] >= 0.8))
        r = by.get(("read", "wrk"))
        if r and r.get("ratio_prepared") is not None:
            targets.append(("HTTP read vs pgbench -M prepared", f"{r['ratio_prepared']:.2f}", ">= 0.60", r["ratio_prepared"] >= 0.6))
        if r and r.get("switches") is not None:
            targets.append(("baton context switches per read", f"{r['switches']:.1f}", "<= 3", r["switches"] <= 3))
        r = by.get(("read (account manager)", "wrk"))
        if r and r.get("ratio_admin") is not None:
            targets.append(("account manager's read vs the admin's", f"{r['ratio_admin']:.2f}", ">= 0.80", r["ratio_admin"] >= 0.8))
        for r in self.rows:
            if r["case"].startswith(("report ", "page ")):
                targets.append((f"{r['case']} p95", f"{r['p95']:.1f} ms", "< 100 ms", r["p95"] < 100))
            elif r["case"].startswith("search "):
                targets.append((f"{r['case']} p95", f"{r['p95']:.1f} ms", "< 50 ms", r["p95"] < 50))
        p1, p2 = by.get(("list page 1", "wrk")), by.get(("list page 10,000", "wrk"))
        if p1 and p2:
            ratio = p2["rps"] / p1["rps"]
            targets.append(("list page 10,000 vs page 1 (throughput)", f"{ratio:.2f}", ">= 0.90", ratio >= 0.9))
        if self.imports:
            targets.append(("import vs \\copy into the same tables (speed)", f"{self.imports['ratio']:.3f}", ">= 0.70", self.imports["ratio"] >= 0.7))
        peak = max([r["rss_mb"] for r in self.rows if "rss_mb" in r] or [0])
        if peak:
            targets.append(("baton serve resident memory, peak under load", f"{peak:.0f} MB", "< 150 MB", peak < 150))
        if a.startup_ms:
            targets.append(("start-up to serving (database ready)", f"{a.startup_ms} ms", "< 2000 ms", a.startup_ms < 2000))
        w("")
        w("| target | measured | goal | met |")
        w("| --- | ---: | ---: | --- |")
        for name, value, goal, met in targets:
            w(f"| {name} | {value} | {goal} | {'yes' if met else '**no**'} |")
        text = "\n".join(lines) + "\n"
        print("\n" + text)
        with open(os.path.join(self.out, "table.md"), "w") as f:
            f.write(text)
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump({"machine": machine, "settings": vars(a), "rows": self.rows, "import": self.imports,
                       "targets": [dict(zip(("target", "measured", "goal", "met"), t)) for t in targets]}, f, indent=2)
        shutil.copy(os.path.join(self.out, "table.md"), os.path.join(a.results, "latest.md"))
        log(f"results saved in {os.path.relpath(self.out, os.path.dirname(HERE))}")

    @staticmethod
    def cpu_model():
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or "unknown CPU"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--base-url", required=True)
    p.add_argument("--baton", required=True)
    p.add_argument("--baton-pid", type=int, required=True)
    p.add_argument("--pg-host", required=True)
    p.add_argument("--pg-port", type=int, required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--pg-data", required=True)
    p.add_argument("--pgbench", default="pgbench")
    p.add_argument("--psql", default="psql")
    p.add_argument("--password", required=True)
    p.add_argument("--duration", type=int, default=12)
    p.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", "3")))
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--report-connections", type=int, default=int(os.environ.get("BENCH_REPORT_CONNECTIONS", "1")))
    p.add_argument("--import-rows", type=int, default=200_000)
    p.add_argument("--cases", default="all")
    p.add_argument("--profile", default=os.environ.get("BENCH_PROFILE", ""),
                   help="comma-separated cases to profile with perf (read,create,...)")
    p.add_argument("--startup-ms", type=int, default=0)
    p.add_argument("--generate-seconds", default="?")
    p.add_argument("--results", required=True)
    p.add_argument("--data", required=True)
    b = Bench(p.parse_args())
    b.prepare()
    b.run_cases()
    b.run_import()
    b.report()


if __name__ == "__main__":
    main()
