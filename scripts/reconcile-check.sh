#!/usr/bin/env bash
# Measures `user-service reconcile` on a private local stack (free ports, a temporary
# directory, torn down on exit):
#
#   1. no false positives under load: `load-generator paced --rate RATE --seconds SECONDS
#      --users 2000`, and `reconcile` every RECONCILE_INTERVAL_SECONDS (5) during the
#      PUT phase, each run to completion; every run must exit 0 with 0 divergent users.
#   2. cost at scale: users are created until the source holds RECONCILE_USERS (100000),
#      both projections catch up (consumer_lag 0 on /metrics, digest entities = source),
#      then `reconcile` is timed (RECONCILE_SCALE_RUNS runs, 3) and the digests' sizes
#      measured.
#
#   scripts/reconcile-check.sh [rate (500)] [seconds (60)]
#
# BUILD_CONFIGURATION (debug|release, default debug) picks the build; the figures say
# which. Exit status: 0 if every run during the load was consistent and the run at
# scale too, 1 if any reported a divergence or could not check, 2 on a set-up failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh

rate="${1:-500}"
seconds="${2:-60}"
load_users=2000
interval="${RECONCILE_INTERVAL_SECONDS:-5}"
scale_users="${RECONCILE_USERS:-100000}"
scale_runs="${RECONCILE_SCALE_RUNS:-3}"
load_stack reconcile-check

# poll SECONDS STEP WHAT COMMAND…: runs COMMAND every STEP seconds until it succeeds;
# after SECONDS says what it was waiting for and fails.
poll() {
  local seconds="$1" step="$2" what="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "timed out after $seconds s waiting for $what"
    sleep "$step"
  done
}
sql() { private_psql -d users -c "$1"; }
source_users() { sql "SELECT count(*) FROM users"; }

# reconcile_run FILE_PREFIX: one `reconcile --json`, timed from process start to exit;
# leaves FILE_PREFIX.json (stdout), .err (stderr), .meta (exit status, wall ms, max RSS KiB).
reconcile_run() {
  local prefix="$1" start rc=0
  start="$(now_ms)"
  DATABASE_URL_FILE="$database_dir/users.url" SEARCH_URL="$search_management" ANALYTICS_URL="$analytics_management" \
    LOG_LEVEL=error /usr/bin/time -f '%M' -o "$prefix.rss" "$bin/user-service" reconcile --json >"$prefix.json" 2>"$prefix.err" || rc=$?
  echo "$rc $(( $(now_ms) - start )) $(tail -n 1 "$prefix.rss" 2>/dev/null || echo 0)" >"$prefix.meta"
  return 0
}

# table PREFIX…: one line per reconcile run (python reads the files reconcile_run left).
table() {
  python3 - "$@" <<'EOF'
import json, sys
print(f"{'run':>3} {'at_s':>5} {'exit':>4} {'wall_ms':>7} {'rss_MiB':>7} | {'target':<9} {'result':<10} {'source':>6} {'entities':>8} {'buckets':>7} {'miss':>4} {'stale':>5} {'ahead':>5} {'extra':>5} {'ms':>6}")
for prefix in sys.argv[1:]:
    rc, wall, rss = open(prefix + ".meta").read().split()
    at = open(prefix + ".at").read().strip() if __import__("os").path.exists(prefix + ".at") else "-"
    head = f"{prefix.rsplit('-', 1)[-1]:>3} {at:>5} {rc:>4} {wall:>7} {int(rss) / 1024:>7.0f}"
    try:
        reports = json.load(open(prefix + ".json"))
    except Exception:
        err = open(prefix + ".err").read().strip().splitlines()
        print(f"{head} | no report: {err[-1] if err else 'no output'}")
        continue
    for i, r in enumerate(reports):
        kinds = [sum(1 for d in r.get("divergences", []) if d["kind"] == k) for k in ("missing", "stale", "ahead", "extra")]
        lead = head if i == 0 else " " * len(head)
        print(f"{lead} | {r['target']:<9} {r['result']:<10} {r['sourceEntities']:>6} {r['entities']:>8} {r['differingBuckets']:>7} "
              f"{kinds[0]:>4} {kinds[1]:>5} {kinds[2]:>5} {kinds[3]:>5} {r['durationMilliseconds']:>6}"
              + (f"  error: {r['error']}" if r.get("error") else ""))
EOF
}

# --- the stack ----------------------------------------------------------------
say "building ($configuration) and starting a private stack in $dir (a cold build takes minutes)"
scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log" >&2; fail "local-stack.sh up"; }
export_admin_token
[ -x "$bin/load-generator" ] || fail "no $bin/load-generator after the build"

# --- 1. reconcile during steady writes -----------------------------------------
say "1. load-generator paced --rate $rate --seconds $seconds --users $load_users; reconcile every $interval s during the writes"
"$bin/load-generator" paced --url "$user" --rate "$rate" --seconds "$seconds" --users "$load_users" >"$dir/load.out" 2>&1 &
load_pid=$!
# The generator creates its users one by one first, then writes: the runs start with the writes.
users_created() { [ "$(source_users)" -ge "$load_users" ]; }
poll 300 0.5 "the load generator to create its $load_users users (see $dir/load.out)" users_created
load_start=$SECONDS
runs=()
n=0
deadline=$((SECONDS + seconds + 120))
while kill -0 "$load_pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the load generator did not finish within $((seconds + 120)) s of its first write"
  n=$((n + 1))
  prefix="$dir/load-$n"
  echo $((SECONDS - load_start)) >"$prefix.at"
  tick=$(( $(now_ms) + interval * 1000 ))
  reconcile_run "$prefix"
  runs+=("$prefix")
  say "   run $n: exit $(cut -d' ' -f1 "$prefix.meta"), $(cut -d' ' -f2 "$prefix.meta") ms"
  # The next run starts `interval` after this one started, or at once if this one took longer.
  while kill -0 "$load_pid" 2>/dev/null && [ "$(now_ms)" -lt "$tick" ]; do sleep 0.2; done
done
load_rc=0
wait "$load_pid" || load_rc=$?
load_pid=""
[ "$load_rc" = 0 ] || { cat "$dir/load.out" >&2; fail "the load generator exited with $load_rc"; }
load_line="$(tail -n 1 "$dir/load.out")"
[ ${#runs[@]} -gt 0 ] || fail "no reconcile run happened during the load"
load_bad=0
for prefix in "${runs[@]}"; do
  [ "$(cut -d' ' -f1 "$prefix.meta")" = 0 ] || load_bad=$((load_bad + 1))
done

# --- 2. reconcile at scale --------------------------------------------------------
have="$(source_users)"
need=$((scale_users - have))
created_line="none needed"
create_ms=0
if [ "$need" -gt 0 ]; then
  # `write` creates CLIENTS × PER users, each client one by one; fewer than 1,000 each keeps
  # the generator's names and emails distinct. --seconds 0: no PUTs after the creates.
  clients=100
  per=$(( (need + clients - 1) / clients ))
  [ "$per" -lt 1000 ] || { clients=$(( (need + 998) / 999 )); per=$(( (need + clients - 1) / clients )); }
  say "2. creating $((clients * per)) users ($clients clients × $per) on top of $have"
  start="$(now_ms)"
  "$bin/load-generator" write --url "$user" --concurrency "$clients" --users-per-client "$per" --seconds 0 >"$dir/create.out" 2>&1 \
    || { tail -n 5 "$dir/create.out" >&2; fail "creating users"; }
  create_ms=$(( $(now_ms) - start ))
  created_line="$((clients * per)) users in $create_ms ms ($(( clients * per * 1000 / create_ms )) creates/s, $clients clients)"
fi
total="$(source_users)"
say "   source holds $total users; waiting for both projections (lag 0, digest entities = $total)"
# consumer_lag as an integer (the gauge reads "0.0"); the whole body is read, so curl never sees a closed pipe.
lag_of() { curl -fsS "$1/metrics" | awk '!found && ($1 == "consumer_lag" || $1 ~ /^consumer_lag\{/) { printf "%d\n", $2; found = 1 }'; }
caught_up() {
  local url
  for url in "$analytics_management" "$search_management"; do
    [ "$(lag_of "$url")" = 0 ] || return 1
    [ "$(curl -fsS "$url/consistency/digest" | jq .entities)" = "$total" ] || return 1
  done
}
start="$(now_ms)"
deadline=$((SECONDS + 600))
until caught_up; do
  if [ $SECONDS -ge $deadline ]; then
    for url in "$analytics_management" "$search_management"; do
      echo "  $url: consumer_lag $(lag_of "$url" || echo '?'), digest entities $(curl -fsS "$url/consistency/digest" | jq .entities || echo '?')" >&2
    done
    fail "timed out after 600 s waiting for both projections to hold the source's $total users with lag 0"
  fi
  sleep 2
done
catch_up_ms=$(( $(now_ms) - start ))
analytics_summary_users="$(curl -fsS -H "Authorization: Bearer $BEARER_TOKEN" "$analytics/analytics/summary" | jq .users)"

scale=()
for k in $(seq 1 "$scale_runs"); do
  reconcile_run "$dir/scale-$k"
  scale+=("$dir/scale-$k")
  say "   run $k: exit $(cut -d' ' -f1 "$dir/scale-$k.meta"), $(cut -d' ' -f2 "$dir/scale-$k.meta") ms"
done
scale_bad=0
for prefix in "${scale[@]}"; do
  [ "$(cut -d' ' -f1 "$prefix.meta")" = 0 ] || scale_bad=$((scale_bad + 1))
done
# What one run transfers when nothing differs: the digest of each projection (reconcile
# reads the source from PostgreSQL, not over HTTP). user-service's own digest for scale.
digests=()
for name in user analytics search; do
  url_variable="${name}_management"
  url="${!url_variable}"
  figures="$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$url/consistency/digest?buckets=256")"
  read -r code bytes secs <<<"$figures"
  if [ "$code" = 200 ]; then
    digests+=("$(printf '%-18s %8s bytes  %6.0f ms' "$name-service" "$bytes" "$(python3 -c "print($secs * 1000)")")")
  else
    digests+=("$(printf '%-18s HTTP %s' "$name-service" "$code")")
  fi
done

# --- figures ----------------------------------------------------------------------
machine="$(nproc) cores, $(. /etc/os-release; echo "$PRETTY_NAME"), $(swift --version 2>/dev/null | head -n 1)"
echo
echo "reconcile-check on $(date -u +%Y-%m-%dT%H:%MZ), $configuration build, $machine"
echo
echo "1. during load ($load_line; writes from t=0 s)"
echo "   every $interval s, each run to completion; wall_ms = process start to exit, ms = reconcile's own per target"
table "${runs[@]}" | sed 's/^/   /'
echo "   runs: ${#runs[@]}, not exit 0: $load_bad; buckets = buckets still differing after the second look"
python3 - "$load_line" "$rate" "$seconds" <<'PY'
import re, sys
figures = dict(re.findall(r"(\w+)=([\d.]+)", sys.argv[1]))
offered = float(sys.argv[2]) * float(sys.argv[3])
rate = float(figures.get("rate", 0))
if float(figures.get("failed", 0)) > 0 or rate < 0.9 * float(sys.argv[2]):
    print(f"   NOTE: the stack did not sustain {sys.argv[2]} writes/s: {figures.get('writes')} of {offered:.0f} writes succeeded, "
          f"{figures.get('failed')} failed, over {float(figures.get('seconds', 0)):.0f} s ({rate:.0f}/s achieved): "
          "these runs cover the achieved load, not the offered one")
PY
echo
echo "2. at scale: source $total users; created $created_line; projections caught up $catch_up_ms ms after the last create"
echo "   analytics /analytics/summary users: $analytics_summary_users"
table "${scale[@]}" | sed 's/^/   /'
echo "   GET /consistency/digest (256 buckets), one curl each:"
printf '     %s\n' "${digests[@]}"
echo
if [ "$load_bad" -gt 0 ]; then
  echo "reconcile-check: $load_bad of ${#runs[@]} runs during the load did not exit 0 (a reported divergence or a failed check): see the table" >&2
  exit 1
fi
if [ "$scale_bad" -gt 0 ]; then
  echo "reconcile-check: $scale_bad of ${#scale[@]} runs at scale did not exit 0: see the table" >&2
  exit 1
fi
say "every run consistent"
