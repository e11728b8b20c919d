#!/usr/bin/env bash
# Fault injection on a private local stack (free ports, temporary directory):
# random profile writes from concurrent clients while the user-service, each
# consumer, the broker and PostgreSQL are killed or restarted; then waits for
# convergence and checks that nothing was lost, applied twice or dead-lettered.
#
#   scripts/chaos.sh [writes (20000)] [clients (32)]
#
# Prints a table of faults, writes, time to converge and each invariant; exits
# non-zero if any invariant fails. Not part of scripts/test.sh (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh

writes="${1:-20000}"
clients="${2:-32}"

private_stack chaos

keep="${CHAOS_KEEP:-}"
cleanup() {
  scripts/local-stack.sh down >/dev/null 2>&1 || true
  if [ -n "$keep" ]; then echo "chaos: logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

log() { printf '[chaos %5ds] %s\n' "$((SECONDS - started))" "$*"; }
started=$SECONDS
scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
export LOCAL_STACK_SKIP_BUILD=1
faults=()

restart() { # restart COMPONENT: kill -9, then `up` starts what is missing
  local pid
  pid="$(cat "$dir/pids/$1.pid")"
  kill -9 "$pid"
  faults+=("kill -9 $1")
  log "killed $1 (pid $pid) with SIGKILL"
  sleep 1
  scripts/local-stack.sh up >>"$dir/up.log" 2>&1 || { tail -n 30 "$dir/up.log"; log "restart of $1 failed"; return 1; }
  log "$1 restarted"
}

inject_faults() {
  sleep 4; restart user-service
  sleep 3; restart analytics-service
  sleep 3; restart search-service
  sleep 3
  kill -USR1 "$(cat "$dir/pids/local-broker.pid")"; faults+=("broker down 5 s"); log "broker down"
  sleep 5
  kill -USR2 "$(cat "$dir/pids/local-broker.pid")"; log "broker up"
  sleep 3
  as_postgres_owner "$(postgres_bin_dir)/pg_ctl" -D "$dir/postgres/data" -m fast -w restart >/dev/null
  faults+=("PostgreSQL restart"); log "PostgreSQL restarted"
  printf '%s\n' "${faults[@]}" >"$dir/faults"
}

log "load: $writes writes from $clients clients against $user"
python3 scripts/lib/chaos_load.py "127.0.0.1:$USER_SERVICE_PORT" "$writes" "$clients" "$dir/report.json" 900 &
load_pid=$!
inject_faults
wait "$load_pid"
load_done=$SECONDS
log "load finished; waiting for convergence"

# Convergence: the outbox is empty and both groups have lag 0, as the broker sees it.
metric() { curl -fsS "$1/metrics" 2>/dev/null | awk -v name="$2" '$1 == name { print $2 }'; }
converged=""
for _ in $(seq 1 600); do
  pending="$(private_psql -d users -c "SELECT count(*) FROM outbox WHERE published_at IS NULL" 2>/dev/null || echo x)"
  a="$(metric "$analytics" consumer_lag)"; s="$(metric "$search" consumer_lag)"
  if [ "$pending" = 0 ] && [ "${a%.*}" = 0 ] && [ "${s%.*}" = 0 ]; then converged=1; break; fi
  sleep 0.5
done
converge_seconds=$((SECONDS - load_done))
sleep 2 # one more lag line per consumer after convergence (interval 1 s)

results=()
status=0
check() { # check NAME OK? DETAIL
  if [ "$2" = 1 ]; then results+=("held|$1|$3"); else results+=("FAILED|$1|$3"); status=1; fi
}

check "converged (outbox empty, lag 0)" "$([ -n "$converged" ] && echo 1 || echo 0)" "${converge_seconds} s after the load"

# 1. Search reflects every accepted write at its final version; deleted users are absent.
search_result="$(python3 scripts/lib/check_search_state.py "$dir/report.json" "$search")" && ok=1 || ok=0
check "search = final state of every user" "$ok" "$search_result"

# 2. Analytics counters equal the accepted writes of each kind.
analytics_result="$(python3 scripts/lib/check_analytics_counters.py "$dir/report.json" "$analytics")" && ok=1 || ok=0
check "analytics counters = accepted writes" "$ok" "$analytics_result"

# 3. No event applied twice: dedup rows = distinct events in the outbox = applied counters.
events="$(private_psql -d users -c "SELECT count(*) FROM outbox")"
for db in analytics search; do
  rows="$(private_psql -d "$db" -c "SELECT count(*) FROM processed_events")"
  check "$db: each event applied once" "$([ "$rows" = "$events" ] && echo 1 || echo 0)" "processed_events $rows, outbox events $events"
done
applied="$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('$analytics/analytics/summary'))['eventsApplied'])")"
check "analytics eventsApplied = dedup rows" "$([ "$applied" = "$events" ] && echo 1 || echo 0)" "eventsApplied $applied"

# 4. No good event in a dead-letter topic (redrive reports what it found; with none, it publishes nothing).
for service in analytics-service search-service; do
  database="${service%-service}"
  out="$(DATABASE_URL="postgres://postgres@127.0.0.1:$LOCAL_POSTGRES_PORT/$database" KAFKA_BROKERS="127.0.0.1:$LOCAL_BROKER_PORT" \
    LOG_LEVEL=error "$PWD/.build/${BUILD_CONFIGURATION:-debug}/$service" redrive 2>&1 | tail -n 1)"
  check "$service: dead-letter topic empty" "$([[ "$out" == *"redriven 0 "* ]] && echo 1 || echo 0)" "$out"
done

# 5. Every consumer's lag line ends at lag=0 status=OK.
for service in analytics-service search-service; do
  line="$(grep -h 'msg="consumer lag"' "$dir/logs/$service.log" | tail -n 1)"
  check "$service: last lag line OK" "$([[ "$line" == *" lag=0 status=OK "* ]] && echo 1 || echo 0)" "$(grep -o 'lag=[0-9]* status=[A-Z]*' <<<"$line")"
done

load_summary="$(python3 scripts/lib/summarize_chaos_load.py "$dir/report.json")"

echo
echo "faults injected: $(paste -sd ';' "$dir/faults" | sed 's/;/; /g')"
echo "writes: $load_summary"
echo "time to converge after the load: ${converge_seconds} s"
printf '%-8s %-40s %s\n' result invariant detail
for row in "${results[@]}"; do
  IFS='|' read -r result name detail <<<"$row"
  printf '%-8s %-40s %s\n' "$result" "$name" "$detail"
done
[ "$status" = 0 ] && echo "chaos: every invariant held" || { echo "chaos: INVARIANT VIOLATED"; keep=1; }
exit "$status"
