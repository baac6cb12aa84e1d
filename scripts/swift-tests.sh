#!/usr/bin/env bash
# The Swift tests, with a bound on the whole run. A run takes about 12 minutes on two
# cores; one still going after SWIFT_TEST_MINUTES (30 by default) is stuck, not slow.
# Then this prints which tests started and never ended and, when gdb is installed,
# where each thread of the test process waits (the whole stacks stay in
# .build/swift-test-stacks.txt), ends the test process, and fails: a hang costs half
# an hour and says where it is, instead of using up CI's time and saying nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
log=.build/swift-test.log
stacks=.build/swift-test-stacks.txt
limit=$(( ${SWIFT_TEST_MINUTES:-30} * 60 ))

stdbuf -oL -eL swift test --skip-build --parallel >"$log" 2>&1 &
runner=$!
# The log as it grows, without the line each test prints when it starts.
tail -n +1 -f --pid="$runner" "$log" | grep --line-buffered -vE '^(◇|􀟈) ' &

waited=0
while kill -0 "$runner" 2>/dev/null && [ "$waited" -lt "$limit" ]; do
    sleep 5
    waited=$((waited + 5))
done

if ! kill -0 "$runner" 2>/dev/null; then
    wait "$runner"
    status=$?
    wait  # for the log's last lines
    exit "$status"
fi

# Every process below the runner: swift test, then the test binary it started.
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1"); do
        echo "$child"
        descendants "$child"
    done
}
processes=$(descendants "$runner")
tests=""
for pid in $processes; do
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in batonPackageTe*) tests=$pid ;; esac
done

echo
echo "== the Swift tests were still running after $((limit / 60)) minutes: stuck"
if [ -n "$tests" ] && command -v gdb >/dev/null; then
    gdb -p "$tests" -batch -ex "thread apply all bt" >"$stacks" 2>&1
    echo "-- where the test process's threads wait, in our sources only (all of it: $stacks)"
    awk '/^Thread / { thread = $0; next }
         /^#[0-9]+ .* at .*\/(Sources|Tests)\// {
             if (thread != "") { print thread; thread = "" }
             sub(/.* at .*\/(Sources|Tests)\//, "  " $1 " "); print
         }' "$stacks"
fi
echo "-- tests that started and never ended"
comm -23 \
    <(sed -nE 's/^◇ Test (.+) started\.$/\1/p' "$log" | sort -u) \
    <(sed -nE 's/^[✔✘] Test ([^ ]+).*(passed|failed|skipped).*/\1/p' "$log" | sort -u)
# Ours to end: the runner and what it started, by PID, and the test clusters the
# test process started (their folders carry its PID).
kill -9 $processes "$runner" 2>/dev/null
wait "$runner" 2>/dev/null
if [ -n "$tests" ]; then
    for data in /tmp/baton-test-"$tests"-*/pg /tmp/baton-pgtest-"$tests"-*/pg; do
        [ -f "$data/postmaster.pid" ] || continue
        pg_ctl=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | tail -1)
        if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pg_ctl" -D "$data" -m immediate stop; else "$pg_ctl" -D "$data" -m immediate stop; fi
    done
fi
exit 1
