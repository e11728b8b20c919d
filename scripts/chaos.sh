#!/usr/bin/env bash
# Fault injection on a private local stack (free ports, temporary directory) with
# two instances of each consumer (one group each): random profile writes from
# concurrent clients while user-service, the consumers, the broker and PostgreSQL
# are killed, paused or restarted; then waits (bounded) for convergence and checks
# that nothing was lost, applied twice or dead-lettered.
#
#   scripts/chaos.sh [writes (20000)] [clients (32)]
#
# Faults, in order: SIGKILL of user-service, analytics-service and search-service
# (then restarted); SIGKILL of PostgreSQL's postmaster (then restarted on the same
# data with the same settings); the broker down for 5 s; analytics-service-2 paused
# (SIGSTOP) past its session time-out, then resumed; the relay leader paused for
# 10 s; a PostgreSQL restart. Meanwhile, from the broker's return on, `search-service
# rebuild` rebuilds the index and switches to it under the load and the later faults.
#
# Environment: CHAOS_LOAD_SECONDS (75): the writes are spread over at least this
# long, so that every fault (the schedule takes about 65 s) hits a running load;
# CHAOS_CONVERGE_SECONDS (300): how long to wait for convergence; CHAOS_KEEP=1
# keeps the logs (they are kept anyway when an invariant fails). A fault that
# happened after the load had finished is marked so in the table.
# Prints a table of faults, writes, time to converge and each invariant; exits
# non-zero if any invariant fails. Not part of scripts/test.sh (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh

writes="${1:-20000}"
clients="${2:-32}"
converge_limit="${CHAOS_CONVERGE_SECONDS:-300}"
load_seconds="${CHAOS_LOAD_SECONDS:-75}"
# The consumers' session time-out (ConsumerConfiguration.sessionTimeoutMilliseconds, not
# configurable by the environment): a consumer paused longer than this leaves its group.
session_timeout_seconds=10

export CONSUMER_INSTANCES=2
install_prerequisites kcat
private_stack chaos
consumers=(analytics-service search-service analytics-service-2 search-service-2)
# Each consumer instance's management listener (/metrics and /ready); an extra instance's is its service's + 10.
declare -A consumer_url=(
  [analytics-service]="$analytics_management" [analytics-service-2]="http://127.0.0.1:$((ANALYTICS_SERVICE_MANAGEMENT_PORT + 10))"
  [search-service]="$search_management" [search-service-2]="http://127.0.0.1:$((SEARCH_SERVICE_MANAGEMENT_PORT + 10))"
)

keep="${CHAOS_KEEP:-}"
load_pid=""
rebuild_pid=""
# Resumes anything left paused, stops the load and the stack, removes the directory unless kept.
cleanup() {
  local file
  for file in "$dir"/pids/*.pid; do [ -f "$file" ] && kill -CONT "$(cat "$file")" 2>/dev/null || true; done
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  [ -n "$rebuild_pid" ] && pkill -P "$rebuild_pid" 2>/dev/null || true
  scripts/local-stack.sh down >/dev/null 2>&1 || true
  if [ -n "$keep" ]; then echo "chaos: logs kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

log() { printf '[chaos %5ds] %s\n' "$((SECONDS - started))" "$*"; }
started=$SECONDS
# One admin token drives the 32 clients: the per-caller rate limit is raised for the run.
export RATE_LIMIT_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000
scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
BEARER_TOKEN="$(scripts/local-stack.sh token --admin --ttl-seconds 7200)"
export BEARER_TOKEN
export LOCAL_STACK_SKIP_BUILD=1
faults=()

# component_pid NAME: the pid local-stack.sh recorded for a component.
component_pid() { cat "$dir/pids/$1.pid"; }

# fault DESCRIPTION: records an injected fault, marked if the load had already finished.
fault() {
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then faults+=("$1"); else faults+=("$1 (after the load)"); fi
}

# metric URL NAME: a gauge from a service's /metrics (empty if it does not answer within 2 s).
metric() { { curl -fsS --max-time 2 "$1/metrics" 2>/dev/null || true; } | awk -v name="$2" '$1 == name { print $2 }'; }

# restart COMPONENT: kill -9, then `up` starts what is missing.
restart() {
  local pid
  pid="$(component_pid "$1")"
  kill -9 "$pid"
  fault "kill -9 $1"
  log "killed $1 (pid $pid) with SIGKILL"
  sleep 1
  scripts/local-stack.sh up >>"$dir/up.log" 2>&1 || { tail -n 30 "$dir/up.log"; log "restart of $1 failed"; return 1; }
  log "$1 restarted"
}

# crash_postgres: SIGKILL of the postmaster, then PostgreSQL started again on the same data
# with the same settings as local-stack.sh (start_throwaway_postgres, durable profile).
crash_postgres() {
  local what
  what="$(crash_throwaway_postgres "$dir/postgres")" || { log "PostgreSQL crash failed: $what"; return 1; }
  fault "PostgreSQL postmaster SIGKILL"
  log "PostgreSQL crashed: $what"
  sleep 1
  start_throwaway_postgres "$dir/postgres" "$LOCAL_POSTGRES_PORT" >>"$dir/up.log" 2>&1 \
    || { tail -n 20 "$dir/postgres/postgres.log"; log "PostgreSQL did not restart after the crash"; return 1; }
  log "PostgreSQL restarted after crash recovery ($(grep -h 'redo done' "$dir/postgres/postgres.log" | tail -n 1 | sed 's/^.*LOG: *//' || true))"
}

# pause NAME SECONDS FAULT WHY: SIGSTOP a component, SIGCONT after SECONDS.
pause() {
  local name="$1" seconds="$2" label="$3" why="$4" pid
  pid="$(component_pid "$name")"
  kill -STOP "$pid"
  fault "$label"
  log "paused $name (pid $pid) with SIGSTOP for $seconds s ($why)"
  sleep "$seconds"
  kill -CONT "$pid"
  log "resumed $name"
}

# is_relay_leader URL: true if that user-service reports outbox_relay_leader 1.
is_relay_leader() { local value; value="$(metric "$1" outbox_relay_leader)"; [ "${value%.*}" = 1 ]; }

# pause_relay_leader SECONDS: pauses the user-service whose outbox_relay_leader gauge is 1
# (there is one user-service; the gauge confirms it leads, waiting up to 30 s for it).
pause_relay_leader() {
  local leader
  if wait_until 30 "user-service to report outbox_relay_leader 1" is_relay_leader "$user_management" 2>/dev/null; then
    leader="the relay leader"
  else
    leader="not the relay leader by its metric, but the only user-service"
  fi
  pause user-service "$1" "relay leader paused $1 s" "$leader"
}

# rebuild_search: `search-service rebuild` while the load and the faults go on; its output
# in $dir/rebuild.log, its exit status in $dir/rebuild.status.
rebuild_search() {
  local rc=0
  log "search-service rebuild started"
  DATABASE_URL_FILE="$database_dir/search.url" MIGRATION_DATABASE_URL_FILE="$database_dir/search-migration.url" KAFKA_BROKERS="$brokers" LOG_LEVEL=warning \
    EVENT_VERIFY_KEYS_FILE="$event_key_file" timeout 240 "$PWD/.build/${BUILD_CONFIGURATION:-debug}/search-service" rebuild >"$dir/rebuild.log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rebuild.status"
  log "search-service rebuild ended (exit $rc): $(grep -h 'switched\|rebuild: [A-Z]' "$dir/rebuild.log" | tail -n 1)"
}

inject_faults() {
  sleep 4; restart user-service
  sleep 3; restart analytics-service
  sleep 3; restart search-service
  sleep 3; crash_postgres
  sleep 4
  kill -USR1 "$(component_pid local-broker)"; fault "broker down 5 s"; log "broker down"
  sleep 5
  kill -USR2 "$(component_pid local-broker)"; log "broker up"
  fault "search-service rebuild"
  rebuild_search &
  rebuild_pid=$!
  sleep 3; pause analytics-service-2 $((session_timeout_seconds + 5)) "analytics-service-2 paused $((session_timeout_seconds + 5)) s" \
    "longer than the session time-out, ${session_timeout_seconds} s: the group evicts it"
  sleep 2; pause_relay_leader 10
  sleep 3
  as_postgres_owner "$(postgres_bin_dir)/pg_ctl" -D "$dir/postgres/data" -m fast -w restart >/dev/null
  fault "PostgreSQL restart"; log "PostgreSQL restarted"
}

log "load: $writes writes from $clients clients over at least $load_seconds s against $user; consumers: ${consumers[*]}"
python3 scripts/lib/chaos_load.py "127.0.0.1:$USER_SERVICE_PORT" "$writes" "$clients" "$dir/report.json" 900 "$load_seconds" &
load_pid=$!
inject_faults
wait "$load_pid"
load_pid=""
wait "$rebuild_pid" || true
load_done=$SECONDS
log "load finished; waiting up to $converge_limit s for convergence"

# Convergence: the outbox is empty and every consumer instance reports lag 0 (the group's
# lag as the broker sees it), each within a bounded wait.
export PGCONNECT_TIMEOUT=3 PGOPTIONS="-c statement_timeout=3000"
# converged_now: true once the outbox is empty and every instance answers with lag 0.
converged_now() {
  local name lag
  [ "$(private_psql -d users -c "SELECT count(*) FROM outbox WHERE published_at IS NULL" 2>/dev/null)" = 0 ] || return 1
  for name in "${consumers[@]}"; do
    lag="$(metric "${consumer_url[$name]}" consumer_lag)"
    [ "${lag%.*}" = 0 ] || return 1
  done
}
converged=""
wait_until "$converge_limit" "convergence" converged_now 2>/dev/null && converged=1
converge_seconds=$((SECONDS - load_done))
# A consumer's lag gauge may come from a lag line written before the last rows reached the
# broker: once every instance has written a line since (interval 1 s), convergence must hold
# again, on lines that saw every published record.
sleep 2
if [ -n "$converged" ] && ! wait_until 30 "convergence on lag lines written after it" converged_now 2>/dev/null; then converged=""; fi

# not_converged_report: what is still behind: per consumer instance, its lag, /ready, its last
# lag lines, its last partition assignment (who holds the lagging partitions) and warnings.
not_converged_report() {
  local name pending
  pending="$(private_psql -d users -c "SELECT count(*) FROM outbox WHERE published_at IS NULL" 2>&1 || true)"
  echo "chaos: NOT CONVERGED within $converge_limit s of the end of the load"
  echo "  outbox rows not yet published: $pending"
  for name in "${consumers[@]}"; do
    local lag ready
    lag="$(metric "${consumer_url[$name]}" consumer_lag)"
    ready="$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "${consumer_url[$name]}/ready" || true)"
    echo "  $name (pid $(component_pid "$name" 2>/dev/null || echo '?')): consumer_lag ${lag:-no answer}, /ready → ${ready/#000/no answer}; last lag lines:"
    grep -h 'msg="consumer lag"' "$dir/logs/$name.log" 2>/dev/null | tail -n 3 | sed 's/^/    /' || true
    grep -h -E 'msg="partitions (assigned|revoked)"' "$dir/logs/$name.log" 2>/dev/null | tail -n 2 | sed 's/^/    /' || true
    grep -h -E 'level=(warning|error|critical)' "$dir/logs/$name.log" 2>/dev/null | tail -n 2 | sed 's/^/    last warning: /' || true
  done
}
[ -n "$converged" ] || not_converged_report

results=()
status=0
check() { # check NAME OK? DETAIL
  if [ "$2" = 1 ]; then results+=("held|$1|$3"); else results+=("FAILED|$1|$3"); status=1; fi
}

if [ -n "$converged" ]; then
  check "converged (outbox empty, lag 0)" 1 "${converge_seconds} s after the load"
else
  check "converged (outbox empty, lag 0)" 0 "not within ${converge_limit} s after the load (see above)"
fi

# 0. The rebuild switched (the checks below then prove the rebuilt index lost and doubled nothing).
rebuild_line="$(grep -h 'switched to the rebuilt projection' "$dir/rebuild.log" || tail -n 1 "$dir/rebuild.log")"
check "search rebuild under load switched" "$([ "$(cat "$dir/rebuild.status")" = 0 ] && echo 1 || echo 0)" "${rebuild_line#rebuild: }"

# 1. Search reflects every accepted write at its final version; deleted users are absent.
search_result="$(python3 scripts/lib/check_search_state.py "$dir/report.json" "$search")" && ok=1 || ok=0
check "search = final state of every user" "$ok" "$search_result"

# 2. Analytics counters equal the accepted writes of each kind.
analytics_result="$(python3 scripts/lib/check_analytics_counters.py "$dir/report.json" "$analytics")" && ok=1 || ok=0
check "analytics counters = accepted writes" "$ok" "$analytics_result"

# 3. No event applied twice: dedup rows = distinct events in the outbox = applied counters.
events="$(private_psql -d users -c "SELECT count(*) FROM outbox" 2>&1 || true)"
for db in analytics search; do
  rows="$(private_psql -d "$db" -c "SELECT count(*) FROM processed_events" 2>&1 || true)"
  check "$db: each event applied once" "$([ "$rows" = "$events" ] && echo 1 || echo 0)" "processed_events $rows, outbox events $events"
done
applied="$(curl -fsS --max-time 10 -H "Authorization: Bearer $BEARER_TOKEN" "$analytics/analytics/summary" | python3 -c 'import json, sys; print(json.load(sys.stdin)["eventsApplied"])' || echo 'no answer')"
check "analytics eventsApplied = dedup rows" "$([ "$applied" = "$events" ] && echo 1 || echo 0)" "eventsApplied $applied"

# 4. No record dead-lettered twice (read from the broker: same original partition and offset).
for service in analytics-service search-service; do
  topic="user-events.$service.dlq"
  if timeout 60 kcat -b "$brokers" -C -t "$topic" -o beginning -e -q -J >"$dir/dlq-$service.json" 2>"$dir/kcat-$service.log"; then
    out="$(python3 scripts/lib/check_dead_letter_duplicates.py "$topic" <"$dir/dlq-$service.json")" && ok=1 || ok=0
  else
    ok=0 out="kcat could not read $topic: $(tail -n 1 "$dir/kcat-$service.log")"
  fi
  check "$service: no dead letter twice" "$ok" "$out"
done

# 5. No good event in a dead-letter topic (redrive reports what it found; with none, it publishes nothing).
for service in analytics-service search-service; do
  database="${service%-service}"
  out="$(DATABASE_URL_FILE="$database_dir/$database.url" KAFKA_BROKERS="127.0.0.1:$LOCAL_BROKER_PORT" \
    EVENT_VERIFY_KEYS_FILE="$event_key_file" LOG_LEVEL=error timeout 90 "$PWD/.build/${BUILD_CONFIGURATION:-debug}/$service" redrive 2>&1 | tail -n 1)"
  check "$service: dead-letter topic empty" "$([[ "$out" == *"redriven 0 "* ]] && echo 1 || echo 0)" "$out"
done

# 6. Every consumer instance's lag line comes back to lag=0 status=OK. Polled for up to 10 s:
# a heartbeat round in flight (one per second to every partition) makes a single line read
# lag > 0 for a moment without any event being behind.
for name in "${consumers[@]}"; do
  ok=0
  for _ in $(seq 1 50); do
    line="$(grep -h 'msg="consumer lag"' "$dir/logs/$name.log" | tail -n 1 || true)"
    if [[ "$line" == *" lag=0 status=OK "* ]]; then ok=1; break; fi
    sleep 0.2
  done
  check "$name: last lag line OK" "$ok" "$(grep -o 'lag=[0-9]* status=[A-Z]*' <<<"$line" || echo 'no lag line')"
done

load_summary="$(python3 scripts/lib/summarize_chaos_load.py "$dir/report.json")"

echo
echo "faults injected: $(printf '%s; ' "${faults[@]}" | sed 's/; $//')"
echo "writes: $load_summary"
if [ -n "$converged" ]; then
  echo "time to converge after the load: ${converge_seconds} s"
else
  echo "time to converge after the load: not converged within ${converge_limit} s"
fi
printf '%-8s %-40s %s\n' result invariant detail
for row in "${results[@]}"; do
  IFS='|' read -r result name detail <<<"$row"
  printf '%-8s %-40s %s\n' "$result" "$name" "$detail"
done
[ "$status" = 0 ] && echo "chaos: every invariant held" || { echo "chaos: INVARIANT VIOLATED"; keep=1; }
exit "$status"
