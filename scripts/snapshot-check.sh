#!/usr/bin/env bash
# Measures `user-service snapshot` under steady writes, on a private local stack (free
# ports, a temporary directory, torn down on exit):
#
#   1. SNAPSHOT_USERS (50000) users are created;
#   2. `load-generator paced --rate RATE --seconds SECONDS --users 2000` PUTs, each write's
#      issue time and latency kept; SNAPSHOT_AT (15) s into the writes, `user-service
#      snapshot` runs to completion;
#   3. after the load, both projections catch up and `user-service reconcile` must find every
#      user at its final version in both (exit 0).
#
# Prints PUT p50/p99 for writes issued before the snapshot and while it ran (the target:
# p99 during ≤ 2× before), the snapshot's duration and rate, and the reconcile result.
# SNAPSHOT_ARGS are passed to `user-service snapshot` (e.g. "--rate 0 --max-pending 0" for
# an unpaced one).
#
#   scripts/snapshot-check.sh [rate (500)] [seconds (45)]
#
# BUILD_CONFIGURATION (debug|release, default debug) picks the build; the figures say which.
# Exit status: 0 if reconcile found both projections consistent, 1 if not, 2 on a set-up failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh

rate="${1:-500}"
seconds="${2:-45}"
seed_users="${SNAPSHOT_USERS:-50000}"
snapshot_at="${SNAPSHOT_AT:-15}"
load_users=2000
load_stack snapshot-check
users_url_file="$database_dir/users.url"
source_users() { private_psql -d users -c "SELECT count(*) FROM users"; }

say "building ($configuration) and starting a private stack in $dir (a cold build takes minutes)"
scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log" >&2; fail "local-stack.sh up"; }
export_admin_token

# 1. The users the snapshot will publish (`write` creates CLIENTS × PER, one by one per client).
clients=50
per=$(( (seed_users + clients - 1) / clients ))
say "1. creating $((clients * per)) users"
"$bin/load-generator" write --url "$user" --concurrency "$clients" --users-per-client "$per" --seconds 0 >"$dir/create.out" 2>&1 \
  || { tail -n 5 "$dir/create.out" >&2; fail "creating users"; }
seeded="$(source_users)"
# "Before" must be the steady state: the creates' events published and applied first.
lag_zero() { curl -fsS "$1/metrics" | awk '$1 == "consumer_lag" { exit ($2 + 0 == 0 ? 0 : 1) }'; }
caught_up() { outbox_drained && lag_zero "$analytics_management" && lag_zero "$search_management"; }
wait_until 600 "the outbox to drain and both consumers to reach lag 0" caught_up || fail "no convergence after the creates"

# 2. Steady writes; the snapshot in the middle.
say "2. load-generator paced --rate $rate --seconds $seconds --users $load_users; snapshot $snapshot_at s into the writes"
"$bin/load-generator" paced --url "$user" --rate "$rate" --seconds "$seconds" --users "$load_users" --latencies-file "$dir/latencies.txt" \
  >"$dir/load.out" 2>&1 &
load_pid=$!
users_created() { [ "$(source_users)" -ge $((seeded + load_users)) ]; }
wait_until 300 "the load generator to create its $load_users users" users_created || fail "see $dir/load.out"
sleep "$snapshot_at"
snapshot_start="$(now_ms)"
DATABASE_URL_FILE="$users_url_file" LOG_LEVEL=warning "$bin/user-service" snapshot ${SNAPSHOT_ARGS:-} >"$dir/snapshot.out" 2>"$dir/snapshot.err" \
  || { cat "$dir/snapshot.err" >&2; fail "user-service snapshot"; }
snapshot_end="$(now_ms)"
say "   $(tail -n 1 "$dir/snapshot.out") in $((snapshot_end - snapshot_start)) ms"
wait "$load_pid" || { cat "$dir/load.out" >&2; fail "the load generator failed"; }
load_pid=""

# 3. Both projections hold every user at its final version.
total="$(source_users)"
wait_until 600 "the outbox to drain and both consumers to reach lag 0" caught_up || fail "no convergence"
rc=0
DATABASE_URL_FILE="$users_url_file" SEARCH_URL="$search_management" ANALYTICS_URL="$analytics_management" LOG_LEVEL=warning "$bin/user-service" reconcile >"$dir/reconcile.out" 2>&1 || rc=$?

python3 - "$dir/latencies.txt" "$snapshot_start" "$snapshot_end" "$rate" "$configuration" "$total" <<'EOF'
import sys
path, start, end, rate, build, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
rows = [line.split() for line in open(path) if line.strip()]
rows = [(float(t), float(ms), int(status)) for t, ms, status in rows]
first = min(t for t, _, _ in rows)
def stats(selected):
    ok = sorted(ms for _, ms, status in selected if status == 200)
    if not ok:
        return "no writes", 0.0
    q = lambda p: ok[min(len(ok) - 1, max(0, int(-(-p * len(ok) // 1)) - 1))]
    return f"{len(ok):>6} writes  p50 {q(0.5):6.1f} ms  p99 {q(0.99):6.1f} ms  failed {sum(1 for _, _, s in selected if s != 200)}", q(0.99)
# Before: after a 2 s warm-up, up to the snapshot; during: issued while it ran.
before_text, before_p99 = stats([r for r in rows if first + 2000 <= r[0] < start])
during_text, during_p99 = stats([r for r in rows if start <= r[0] <= end])
print(f"snapshot-check: {build} build, {rate} writes/s, {total} users, snapshot {end - start} ms")
print(f"  before the snapshot  {before_text}")
print(f"  during the snapshot  {during_text}")
if before_p99:
    print(f"  p99 during / before  {during_p99 / before_p99:.2f}× (target ≤ 2×)")
EOF
say "3. reconcile after the load (exit $rc):"
sed 's/^/  /' "$dir/reconcile.out"
[ "$rc" = 0 ] || exit 1
