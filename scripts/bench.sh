#!/usr/bin/env bash
# Benchmarks (release build) on a private local stack, each figure beside a
# reference measured in the same run on the same machine:
#
#   1. write path: PUT /users/{id} with 32 clients  vs  pgbench running the same SQL
#   2. relay: drain of the outbox backlog (records signed) vs  raw librdkafka produce of as many records
#      + commit→delivered latency at 500 writes/s, and the raw sign and verify rates of the records' MAC
#   3. consumers: apply rate of the topic backlog (each record verified) vs  raw librdkafka consume of the same records
#   4. end to end: write commit → search indexed, p50/p99 at 200 and 1,000 writes/s
#   5. one write on an idle stack → indexed (p50, p90)
#   6. user-service's resident memory over a million writes (BENCH_MEMORY_WRITES)
#
#   scripts/bench.sh [seconds per write run (20)]
#
# Prints the figures and writes them to docs/benchmarks.md (the figures are replaced,
# the "## Analysis" section is kept). Numbers, not assertions.
#
#   BENCH_ONLY=relay [BENCH_REPEAT=3] scripts/bench.sh
#
# measures only the relay, BENCH_REPEAT times each (the spread shows the noise of a shared
# machine): the drain of a 50,000-row backlog (written once through the API, restored before
# each drain) beside a raw produce of as many records, then commit→delivered at 500 and
# 1,000 writes/s with the consumers running. It prints the figures and writes no file.
#
#   BENCH_ONLY=write [BENCH_REPEAT=3] scripts/bench.sh [seconds]
#
# measures only the write path (test 1: PUT beside pgbench), BENCH_REPEAT times; no file.
#
#   BENCH_ONLY=consumers [BENCH_REPEAT=3] scripts/bench.sh
#
# measures only the consumers (test 3), BENCH_REPEAT times: a 25,000-event backlog written
# once through the API and published by the relay, then before each run the projections and
# dedup tables emptied and the same outbox published again, so each run applies 25,000 new
# records (the consumers resume at their committed offsets); no file. With BENCH_PERF=DIR,
# each run is also recorded by `perf record -a -g` (the whole machine, from the consumers'
# start to the backlog applied) as DIR/consumers-N.data. After each run, the raw sign, verify
# and contract-read rates on one core show how fast the machine was then.
#
#   BENCH_ONLY=memory [BENCH_MEMORY_WRITES=1000000] scripts/bench.sh
#
# measures only test 6, on a fresh user-service; no file.
#
#   BENCH_ONLY=tracing [BENCH_REPEAT=3] [BENCH_BASELINE=DIR] scripts/bench.sh [seconds]
#
# measures tracing's cost, in one run on one stack: PUT /users/{id} with 32 clients (the API
# alone, as in test 1) and end to end (commit → search indexed, p50/p99) at 500 and 1,000
# writes/s (the relay and both consumers running), with tracing off (no endpoint) and
# on (OTEL_EXPORTER_OTLP_ENDPOINT set, every request sampled, spans sent over OTLP/HTTP to a
# sink that only counts them, scripts/lib/otlp_sink.py), the order alternating run by run.
# With BENCH_BASELINE, a folder holding another build's executables (an earlier commit's
# .build/release), a third configuration runs those, no endpoint: tracing off against the
# code before tracing existed. No file.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh

seconds="${1:-20}"
only="${BENCH_ONLY:-}"
repeat="${BENCH_REPEAT:-3}"
case "$only" in "" | relay | write | consumers | memory | tracing) ;; *) echo "bench: BENCH_ONLY is empty, relay, write, consumers, memory or tracing, not '$only'" >&2; exit 2 ;; esac
export BUILD_CONFIGURATION=release
install_prerequisites
mkdir -p .local
echo "bench: building (release) — a cold release build takes a long while"
swift build -c release >.local/bench-build.log 2>&1 || { tail -n 30 .local/bench-build.log; exit 1; }
bin="$PWD/.build/release"

private_stack bench 1
# The token issuer's keys before the first `up` (which then keeps them), so one admin token
# serves every load of the run.
"$bin/user-service" auth-keys --directory "$dir/auth" >/dev/null
export_admin_token
export LOCAL_STACK_SKIP_BUILD=1
export LOCAL_BROKER_ARGS="--groups analytics-service --groups search-service --groups bench"
relay_port="${ports[5]}"
cleanup() {
  [ -n "${relay_pid:-}" ] && kill "$relay_pid" 2>/dev/null || true
  scripts/local-stack.sh down >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
now_ms() { date +%s%3N; }
report=()
add() { report+=("$*"); echo "bench: $*"; }
# chart LABEL P50 P99 TARGET: one row of docs/benchmarks-latency.svg (scripts/lib/bench_chart.py).
chart() { chart_rows+=("$1|$2|$3|$4"); }
chart_rows=()

# consumers_apply BACKLOG: waits for both consumers (started by the caller on a topic
# holding BACKLOG records they have not read) to apply them, and reports each one's rate
# (first to last projection commit) beside a raw librdkafka consume of as many records.
consumers_apply() {
  local backlog="$1" db raw raw_rate span rate
  backlog_applied() { [ "$(private_psql -d "$1" -c "SELECT count(*) FROM processed_events")" -ge "$2" ]; }
  # Polled every 0.5 s, as the relay's drain is: each psql (a process and a connection) takes
  # CPU from the consumers, and at wait_until's 50 ms the polling was a tenth of the machine.
  # The rate comes from the databases' own timestamps, not from the poll.
  local deadline=$((SECONDS + 300))
  for db in analytics search; do
    until backlog_applied "$db" "$backlog"; do
      [ $SECONDS -lt $deadline ] || { echo "timed out waiting for $db-service to apply the backlog of $backlog events" >&2; tail -n 20 "$dir/logs/$db-service.log" >&2; exit 1; }
      sleep 0.5
    done
  done
  raw="$("$bin/load-generator" consume --brokers "$brokers" --topic user-events --count "$backlog" | tail -n 1)"
  raw_rate="$(field rate "$raw")"
  for db in analytics search; do
    span="$(private_psql -d "$db" -c "SELECT extract(epoch FROM max(processed_at) - min(processed_at)) FROM processed_events")"
    rate="$(python3 -c "print(round($backlog / max($span, 0.001)))")"
    add "3. $db-service: applied a backlog of $backlog events in $(printf '%.2f' "$span") s (first to last commit) = $rate events/s | raw consume of the same records: $(printf '%.0f' "$raw_rate") records/s | ratio $(ratio "$rate" "$raw_rate")"
  done
}
# write_backlog ROWS: writes outbox rows through the API (the relay is off) until there are
# ROWS, keeps the first ROWS and saves them as bench_backlog, to be restored before each run.
write_backlog() {
  echo "bench: writing a backlog of $1 outbox rows through the API (relay off)"
  while [ "$(private_psql -d users -c "SELECT count(*) FROM outbox")" -lt "$1" ]; do
    "$bin/load-generator" write --url "$user" --concurrency 32 --seconds 10 >/dev/null
  done
  private_psql -d users -c "DELETE FROM outbox WHERE id > (SELECT id FROM outbox ORDER BY id OFFSET $(($1 - 1)) LIMIT 1); CREATE TABLE bench_backlog AS SELECT * FROM outbox;" >/dev/null
}
# stop_consumers: stops both consumer services (the stack's `up` starts them again).
stop_consumers() {
  kill "$(cat "$dir/pids/analytics-service.pid")" "$(cat "$dir/pids/search-service.pid")"
  for db in analytics search; do
    wait_until 30 "$db-service to stop" bash -c "! kill -0 $(cat "$dir/pids/$db-service.pid") 2>/dev/null" || exit 1
  done
}

# The relay measurements (test 2), also run alone with BENCH_ONLY=relay.
# relay_drain: runs a relay-only user-service on the outbox backlog until nothing is pending;
# sets drain_ms (from process start: connect, leader lock, first batch included) and
# publish_span_ms (first to last published_at).
relay_drain() {
  local start
  start="$(now_ms)"
  start_relay
  # Polled every 0.5 s (each psql costs CPU the relay would otherwise have); the end is the
  # last published_at, not the poll that saw it.
  local deadline=$((SECONDS + 300))
  until outbox_drained; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for the relay to drain the outbox" >&2; tail -n 20 "$dir/relay.log" >&2; exit 1; }
    sleep 0.5
  done
  kill "$relay_pid"; wait "$relay_pid" 2>/dev/null || true; relay_pid=""
  local times
  times="$(private_psql -d users -c "SELECT round(1000 * extract(epoch FROM max(published_at))) || ' ' || round(1000 * extract(epoch FROM max(published_at) - min(published_at))) FROM outbox")"
  drain_ms=$(( ${times% *} - start ))
  publish_span_ms="${times#* }"
}
# start_relay: a relay-only user-service (sets relay_pid).
relay_batch=1000 # the relay's default OUTBOX_BATCH_SIZE, passed explicitly
start_relay() {
  OUTBOX_BATCH_SIZE="$relay_batch" HTTP_HOST=127.0.0.1 HTTP_PORT="$relay_port" MANAGEMENT_HOST=127.0.0.1 MANAGEMENT_PORT=0 DATABASE_URL_FILE="$database_dir/users.url" \
    KAFKA_BROKERS="$brokers" LOG_LEVEL="${RELAY_LOG_LEVEL:-warning}" MIGRATIONS_PATH="$PWD/Migrations" EVENT_SIGNING_KEY_FILE="$event_key_file" "$bin/user-service" relay >>"$dir/relay.log" 2>&1 &
  relay_pid=$!
}
# signing_rate SIZE: the raw cost of the records' authentication on this machine (one core):
# the HMAC-SHA256 the relay signs and the consumers verify with, and Ed25519 for comparison.
signing_rate() {
  local out
  out="$("$bin/load-generator" signing-rate --size "$1" | tail -n 1)"
  add "2. record authentication, one core, $1-byte values: HMAC-SHA256 sign $(field hmac_sign_per_s "$out")/s, verify $(field hmac_verify_per_s "$out")/s | Ed25519 (not used; for comparison) sign $(field ed25519_sign_per_s "$out")/s, verify $(field ed25519_verify_per_s "$out")/s | reading a $(field contract_record_bytes "$out")-byte UserProfileUpdated through the contract (JSON and every rule): $(field contract_read_per_s "$out")/s"
}
# raw_produce COUNT SIZE: the reference, as many records of that size with the same producer
# settings, sent (and waited for) in batches of the relay's size; sets raw_rate.
raw_produce() {
  raw_rate="$(field rate "$("$bin/load-generator" produce --brokers "$brokers" --topic user-events.bench.dlq --count "$1" --size "$2" --batch "$relay_batch" | tail -n 1)")"
}
# report_drain ROWS SIZE: the drain figure beside its reference.
report_drain() {
  local relay_rate
  relay_rate="$(python3 -c "print(round($1 / ($drain_ms / 1000)))")"
  add "2. relay: drained $1 outbox rows in $drain_ms ms = $relay_rate events/s (from process start: connect, leader lock, first batch included; first to last publish $publish_span_ms ms) | raw produce of $1 × $2 B in batches of $relay_batch: $(printf '%.0f' "$raw_rate") records/s | ratio $(ratio "$relay_rate" "$raw_rate")"
}
# relay_latency RATE: paced writes at RATE for 15 s with the relay running; commit (created_at) →
# delivery report (published_at), read from the outbox itself.
relay_latency() {
  local marker paced latency
  marker="$(private_psql -d users -c "SELECT coalesce(max(id), 0) FROM outbox")"
  paced="$("$bin/load-generator" paced --url "$user" --rate "$1" --seconds 15 | tail -n 1)"
  sleep 2
  latency="$(private_psql -d users -c "SELECT round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY published_at - created_at))::numeric, 1) || ' ' || round(1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY published_at - created_at))::numeric, 1) FROM outbox WHERE id > $marker")"
  add "2b. relay at $1 writes/s ($(field rate "$paced") achieved, write p99 $(field p99_ms "$paced") ms): commit→delivered p50 ${latency% *} ms, p99 ${latency#* } ms"
  chart "relay commit→delivered, $1 writes/s" "${latency% *}" "${latency#* }" "$([ "$1" = 1000 ] && echo 20)"
}
# restart_user_service_with_relay: the stack's user-service again, now with its relay.
restart_user_service_with_relay() {
  kill "$(cat "$dir/pids/user-service.pid")"
  wait_until 20 "user-service to stop and free port $USER_SERVICE_PORT" port_closed "$USER_SERVICE_PORT" || exit 1
  env -u OUTBOX_RELAY scripts/local-stack.sh up >>"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
}
port_closed() { [ -z "$(ss -H -ltn "sport = :$1")" ]; }

# write_path: PUT /users/{id} with 32 clients, then pgbench running the same statement against
# the same server with the same concurrency, prepared as the service prepares it, the relay
# off and the consumers stopped.
write_path() {
  echo "bench: 1. write path, 32 clients, ${seconds} s"
  writes="$("$bin/load-generator" write --url "$user" --concurrency 32 --seconds "$seconds" | tail -n 1)"
  service_rate="$(field rate "$writes")"
  private_psql -d users -c "DROP TABLE IF EXISTS bench_ids; CREATE TABLE bench_ids AS SELECT row_number() OVER () AS n, id FROM users; CREATE UNIQUE INDEX ON bench_ids (n); GRANT SELECT ON bench_ids TO users_runtime;" >/dev/null
  users_count="$(private_psql -d users -c "SELECT count(*) FROM bench_ids")"
  write_pgbench_script "$users_count" >"$dir/pgbench.sql"
  # As the service connects: the runtime role, over TCP, scram-sha-256.
  pgbench_out="$(PGPASSWORD="$(cat "$database_dir/users_runtime.password")" "$(postgres_bin_dir)/pgbench" -h 127.0.0.1 -p "$LOCAL_POSTGRES_PORT" \
    -U users_runtime -n -M prepared -c 32 -j 2 -T "$seconds" -r -f "$dir/pgbench.sql" users 2>&1)"
  pgbench_rate="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pgbench_out" | head -n 1)"
  pgbench_latency="$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$pgbench_out")"
  private_psql -d users -c "DELETE FROM outbox WHERE event_type = 'PgbenchUpdate'" >/dev/null
  add "1. write path: PUT /users/{id}, 32 clients: $(printf '%.0f' "$service_rate") writes/s, p50 $(field p50_ms "$writes") ms, p99 $(field p99_ms "$writes") ms | pgbench, the same statement prepared, 32 clients: $(printf '%.0f' "$pgbench_rate") tx/s (mean $pgbench_latency ms) | ratio $(ratio "$service_rate" "$pgbench_rate")"
}
# write_pgbench_script USERS: the statement a PUT runs (UpdateUserStatement.sql — keep the two
# in step; UserStore.update: lock, check,
# update, append the event built by PostgreSQL), as a pgbench script with a random user (the
# time format's colons are spelled chr(58): pgbench would take ':MI' for a variable).
write_pgbench_script() {
  cat <<EOF
\\set n random(1, $1)
WITH locked AS MATERIALIZED (
    SELECT id, name, email, bio, version, created_at, updated_at FROM users WHERE id = (SELECT id FROM bench_ids WHERE n = :n) FOR UPDATE
), proposed AS MATERIALIZED (
    SELECT c.id, n.name, n.email, n.bio, c.version + 1 AS version,
           (NULL::bigint[] IS NULL OR c.version = ANY(NULL::bigint[])) AS matches,
           array_remove(ARRAY[CASE WHEN n.name <> c.name THEN 'name' END, CASE WHEN n.email <> c.email THEN 'email' END,
                              CASE WHEN n.bio <> c.bio THEN 'bio' END], NULL) AS fields
    FROM locked c,
         LATERAL (SELECT coalesce('Bench ' || :n, c.name) AS name, coalesce(c.email, c.email) AS email, coalesce('pgbench ' || random(), c.bio) AS bio) n
), updated AS (
    UPDATE users u SET name = n.name, email = n.email, bio = n.bio, version = n.version, updated_at = date_trunc('milliseconds', clock_timestamp())
    FROM proposed n
    WHERE u.id = n.id AND n.matches AND cardinality(n.fields) > 0
    RETURNING u.id, u.name, u.email, u.bio, u.version, u.updated_at AS time, n.fields
), event AS (
    INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at)
    SELECT gen_random_uuid(), u.id, 'PgbenchUpdate',
           ('{"correlationid":"0f6e3c1a-2b4d-4e5f-8a9b-0c1d2e3f4a5b","data":{},"datacontenttype":"application/json","dataschema":"https://event-driven-users.example/schemas/user-profile-updated.json","id":"5b0a8a52-6d1e-4a61-9f7e-2a0c3d4e5f60","source":"/user-service","specversion":"1.0","subject":"5b0a8a52-6d1e-4a61-9f7e-2a0c3d4e5f61","time":"","type":"UserProfileUpdated"}'::jsonb
            || jsonb_build_object('time', to_char(u.time AT TIME ZONE 'UTC', replace('YYYY-MM-DD"T"HH24#MI#SS.MS"Z"', '#', chr(58))), 'data', jsonb_build_object('userId', u.id::text, 'version', u.version,
                'name', u.name, 'email', u.email, 'bio', u.bio, 'changedFields', to_jsonb(u.fields))))::text, u.time
    FROM updated u
)
SELECT n.matches, coalesce(u.name, c.name), coalesce(u.email, c.email), coalesce(u.bio, c.bio),
       coalesce(u.version, c.version), c.created_at, coalesce(u.time, c.updated_at), u.id IS NOT NULL
FROM locked c JOIN proposed n USING (id) LEFT JOIN updated u USING (id);
EOF
}

# memory_growth NOTE: the stack's user-service (API and relay) under closed-loop PUTs from
# 32 clients until BENCH_MEMORY_WRITES (1,000,000) more outbox rows are written, its resident
# memory read after every tenth. The caller stops the consumers first (they would only slow
# the writes down; the relay still publishes everything).
memory_growth() {
  local memory_writes="${BENCH_MEMORY_WRITES:-1000000}" user_pid memory_start tenth first memory memory_line
  user_pid="$(cat "$dir/pids/user-service.pid")"
  rss_mib() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$user_pid/status"; }
  written() { private_psql -d users -c "SELECT coalesce(max(id), 0) FROM outbox"; }
  echo "bench: 6. user-service's memory over $memory_writes writes"
  first="$(written)"
  memory=("0:$(rss_mib)")
  memory_start=$SECONDS
  for ((tenth = 1; tenth <= 10; tenth++)); do
    until [ $(($(written) - first)) -ge $((memory_writes * tenth / 10)) ]; do
      "$bin/load-generator" write --url "$user" --concurrency 32 --seconds 10 >/dev/null
    done
    memory+=("$(($(written) - first)):$(rss_mib)")
    echo "bench: 6. ${memory[-1]%%:*} writes, user-service RSS ${memory[-1]#*:} MiB"
  done
  memory_line="$(python3 - "${memory[@]}" <<'PY'
import sys
points = [tuple(map(int, p.split(":"))) for p in sys.argv[1:]]
steps = ", ".join(f"{w / 1e6:.2f} M: {r}" for w, r in points)
after = [r for w, r in points[2:]]
print(f"{steps} MiB; from the second tenth on: min {min(after)}, max {max(after)} MiB, last − second tenth = {points[-1][1] - points[2][1]:+d} MiB")
PY
)"
  add "6. user-service resident memory over $(printf "%'d" "$memory_writes") PUTs (API and relay, 32 clients, $((SECONDS - memory_start)) s; $1): $memory_line"
}

if [ "$only" = memory ]; then
  scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
  kill "$(cat "$dir/pids/analytics-service.pid")" "$(cat "$dir/pids/search-service.pid")"
  memory_growth "a fresh process"
  exit 0
fi

if [ "$only" = write ]; then
  OUTBOX_RELAY=off scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
  kill "$(cat "$dir/pids/analytics-service.pid")" "$(cat "$dir/pids/search-service.pid")"
  for ((run = 1; run <= repeat; run++)); do write_path; done
  exit 0
fi

# tracing_run CONFIGURATION: the three services restarted as CONFIGURATION says (`off`, `on`,
# `baseline`); PUT with 32 clients for $seconds s as in test 1 (the relay off, the consumers
# stopped: the API's own cost), then with the relay and both consumers running, paced writes
# at 500 and 1,000 writes/s, 15 s each, end to end (commit → search indexed, the lag line's
# last 2,048 events).
tracing_run() {
  local writes paced line sink_before sink_after rate e2e=""
  tracing_up "$1" off
  for name in analytics-service search-service; do kill "$(cat "$dir/pids/$name.pid")"; done
  "$bin/load-generator" write --url "$user" --concurrency 32 --seconds 5 >/dev/null # warm-up
  sink_before="$(field bytes "$(cat "$dir/otlp-sink.counts" 2>/dev/null)")"
  # user-service's own CPU time per write (utime + stime, in clock ticks): steadier than the
  # rate on a shared machine, and all of tracing's cost is there.
  local pid ticks_before ticks_after cpu_per_write
  pid="$(cat "$dir/pids/user-service.pid")"
  ticks_before="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
  writes="$("$bin/load-generator" write --url "$user" --concurrency 32 --seconds "$seconds" | tail -n 1)"
  ticks_after="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
  cpu_per_write="$(python3 -c "print(round(($ticks_after - $ticks_before) / $(getconf CLK_TCK) * 1e6 / $(field writes "$writes")))")"
  tracing_up "$1" on
  wait_until 300 "the relay to publish the write test's outbox" outbox_drained || exit 1
  caught_up() { grep -h 'msg="consumer lag"' "$dir/logs/$1.log" | tail -n 1 | grep -q ' lag=0 '; }
  for name in analytics-service search-service; do wait_until 300 "$name to catch up" caught_up "$name" || exit 1; done
  for rate in 500 1000; do
    paced="$("$bin/load-generator" paced --url "$user" --rate "$rate" --seconds 15 | tail -n 1)"
    sleep 3 # two lag lines (interval 1 s) after the last write
    line="$(grep -h 'msg="consumer lag"' "$dir/logs/search-service.log" | tail -n 1)"
    e2e+=" | $rate writes/s ($(field rate "$paced") achieved): commit → indexed p50 $(field e2e_p50_ms "$line") ms, p99 $(field e2e_p99_ms "$line") ms"
  done
  sleep 6 # the exporters' batch interval (5 s): the run's spans reach the sink
  sink_after="$(field bytes "$(cat "$dir/otlp-sink.counts" 2>/dev/null)")"
  add "tracing $1: PUT, 32 clients: $(printf '%.0f' "$(field rate "$writes")") writes/s, p99 $(field p99_ms "$writes") ms, user-service CPU $cpu_per_write µs per write$e2e | OTLP to the sink: $(( (${sink_after:-0} - ${sink_before:-0}) / 1024 )) KiB"
}
# tracing_up CONFIGURATION RELAY: the three services (re)started with CONFIGURATION's executables
# and tracing, the relay on or off.
tracing_up() {
  local name relay=()
  for name in user-service analytics-service search-service; do kill "$(cat "$dir/pids/$name.pid")" 2>/dev/null || true; done
  for name in user-service analytics-service search-service; do
    wait_until 30 "$name to stop and free its port" port_closed "$(service_port_of "$name")" || exit 1
  done
  [ "$2" = off ] && relay=(OUTBOX_RELAY=off)
  case "$1" in
    on) env "${relay[@]}" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=always_on scripts/local-stack.sh up >>"$dir/up.log" 2>&1 ;;
    off) env "${relay[@]}" scripts/local-stack.sh up >>"$dir/up.log" 2>&1 ;;
    baseline) env "${relay[@]}" BUILD_CONFIGURATION=bench-baseline scripts/local-stack.sh up >>"$dir/up.log" 2>&1 ;;
  esac || { tail -n 30 "$dir/up.log"; exit 1; }
}
service_port_of() {
  case "$1" in user-service) echo "$USER_SERVICE_PORT" ;; analytics-service) echo "$ANALYTICS_SERVICE_PORT" ;; search-service) echo "$SEARCH_SERVICE_PORT" ;; esac
}

if [ "$only" = tracing ]; then
  configurations=(off on)
  if [ -n "${BENCH_BASELINE:-}" ]; then
    [ -x "$BENCH_BASELINE/user-service" ] || { echo "bench: BENCH_BASELINE=$BENCH_BASELINE holds no user-service executable" >&2; exit 2; }
    ln -sfn "$(cd "$BENCH_BASELINE" && pwd)" .build/bench-baseline
    configurations+=(baseline)
  fi
  sink_port="$(free_port)"
  python3 scripts/lib/otlp_sink.py "$sink_port" "$dir/otlp-sink.counts" &
  sink_pid=$!
  trap 'kill "$sink_pid" 2>/dev/null || true; cleanup' EXIT
  scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
  for ((run = 1; run <= repeat; run++)); do
    echo "bench: tracing, run $run of $repeat"
    # The order turns each run, so that a machine getting slower does not favour one configuration.
    for ((k = 0; k < ${#configurations[@]}; k++)); do
      tracing_run "${configurations[(k + run - 1) % ${#configurations[@]}]}"
    done
  done
  # swift-otel's own cost per traced write, on a quiet stack (the services idle).
  out="$("$bin/load-generator" tracing-rate --endpoint "http://127.0.0.1:$sink_port" 2>/dev/null | tail -n 1)"
  add "tracing cost, one process: two spans per write (server + statement, 8 attributes), every span exported as OTLP/HTTP protobuf: recording $(field otel_record_us_per_write "$out") µs per write on one task, $(field otel_cpu_us_per_write "$out") µs of CPU per write with the export | the no-op tracer (tracing off): $(field noop_us_per_write "$out") µs"
  echo
  printf '%s\n' "${report[@]}" | sort -s -t: -k1,1
  exit 0
fi

if [ "$only" = consumers ]; then
  OUTBOX_RELAY=off scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
  stop_consumers
  rows=25000
  write_backlog "$rows"
  for ((run = 1; run <= repeat; run++)); do
    private_psql -d users -c "TRUNCATE outbox; INSERT INTO outbox SELECT * FROM bench_backlog;" >/dev/null
    for db in analytics search; do
      private_psql -d "$db" -c "TRUNCATE processed_events, dead_letter_outbox, consumer_watermarks" >/dev/null
    done
    private_psql -d analytics -c "TRUNCATE user_activity; UPDATE analytics_counters SET value = 0" >/dev/null
    private_psql -d search -c "TRUNCATE user_documents" >/dev/null
    relay_drain
    echo "bench: 3. consumers on a backlog of $rows events, run $run of $repeat"
    [ -z "${BENCH_PERF:-}" ] || { mkdir -p "$BENCH_PERF"; perf record -a -g -F 499 -o "$BENCH_PERF/consumers-$run.data" >"$BENCH_PERF/consumers-$run.log" 2>&1 & perf_pid=$!; sleep 1; }
    scripts/local-stack.sh up >>"$dir/up.log" 2>&1
    consumers_apply "$rows"
    [ -z "${BENCH_PERF:-}" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    stop_consumers
    # The machine's speed at the time, for comparing runs of different hours: one core reading
    # and verifying records, with nothing else running (this machine's varies by a third).
    signing_rate "$(private_psql -d users -c "SELECT avg(octet_length(payload))::int FROM outbox")"
  done
  exit 0
fi

if [ "$only" = relay ]; then
  OUTBOX_RELAY=off scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
  kill "$(cat "$dir/pids/analytics-service.pid")" "$(cat "$dir/pids/search-service.pid")"
  rows=50000
  write_backlog "$rows"
  size="$(private_psql -d users -c "SELECT avg(octet_length(payload))::int FROM outbox")"
  signing_rate "$size"
  for ((run = 1; run <= repeat; run++)); do
    private_psql -d users -c "TRUNCATE outbox; INSERT INTO outbox SELECT * FROM bench_backlog; ANALYZE outbox;" >/dev/null
    echo "bench: 2. relay drain of $rows rows (mean $size bytes), run $run of $repeat"
    relay_drain
    raw_produce "$rows" "$size"
    report_drain "$rows" "$size"
  done
  # The consumers run during the latency runs, as in the full run; they first work off the
  # topic (the backlog $repeat times over) so that only the paced writes compete for the CPU.
  OUTBOX_RELAY=off scripts/local-stack.sh up >>"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
  caught_up() { grep -h 'msg="consumer lag"' "$dir/logs/$1.log" | tail -n 1 | grep -q ' lag=0 '; }
  for service in analytics-service search-service; do
    wait_until 300 "$service to work off the topic" caught_up "$service" || exit 1
  done
  # The relay runs in a process of its own (`user-service relay`) beside the API (relay off).
  start_relay
  for rate in 500 1000; do
    for ((run = 1; run <= repeat; run++)); do relay_latency "$rate"; done
  done
  mkdir -p .local && cp "$dir/relay.log" .local/bench-relay.log
  exit 0
fi

# --- 1. Write path -----------------------------------------------------------
# The relay is off so the write path is measured alone; its backlog feeds test 2.
OUTBOX_RELAY=off scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; exit 1; }
# The consumers stay away until test 3, so the topic holds a backlog for them.
kill "$(cat "$dir/pids/analytics-service.pid")" "$(cat "$dir/pids/search-service.pid")"
write_path
chart "PUT /users/{id}, 32 clients" "$(field p50_ms "$writes")" "$(field p99_ms "$writes")" ""

# --- 2. Relay ----------------------------------------------------------------
# The backlog is the write test's outbox, cut to its newest 25,000 rows: LocalBroker keeps
# about 5 MB per partition and drops older records, and the consumers (test 3) must find all
# of it on the topic (the writes go to 128 users, so some partitions get more than a sixth).
private_psql -d users -c "DELETE FROM outbox WHERE id <= (SELECT max(id) - 25000 FROM outbox)" >/dev/null
backlog="$(private_psql -d users -c "SELECT count(*) FROM outbox WHERE published_at IS NULL")"
size="$(private_psql -d users -c "SELECT avg(octet_length(payload))::int FROM outbox")"
echo "bench: 2. relay drain of $backlog rows (mean $size bytes)"
relay_drain
raw_produce "$backlog" "$size"
report_drain "$backlog" "$size"
signing_rate "$size"

# --- 3. Consumers ------------------------------------------------------------
# The topic now holds the backlog; the consumers start on it (the group forms first, so the
# rate is taken from the first to the last projection commit).
echo "bench: 3. consumers on a backlog of $backlog events"
scripts/local-stack.sh up >>"$dir/up.log" 2>&1
consumers_apply "$backlog"

# Steady relay latency: commit→delivered at 500 and 1,000 writes/s.
restart_user_service_with_relay
for rate in 500 1000; do relay_latency "$rate"; done

# --- 4. End to end -----------------------------------------------------------
for rate in 200 1000; do
  paced="$("$bin/load-generator" paced --url "$user" --rate "$rate" --seconds 15 | tail -n 1)"
  sleep 3 # two lag lines (interval 1 s) after the last write
  line="$(grep -h 'msg="consumer lag"' "$dir/logs/search-service.log" | tail -n 1)"
  add "4. end to end at $rate writes/s ($(field rate "$paced") achieved, write p99 $(field p99_ms "$paced") ms): commit → search indexed p50 $(field e2e_p50_ms "$line") ms, p99 $(field e2e_p99_ms "$line") ms (last 2,048 events)"
  chart "commit→indexed, $rate writes/s" "$(field e2e_p50_ms "$line")" "$(field e2e_p99_ms "$line")" "$([ "$rate" = 1000 ] && echo 50)"
done

# --- 5. One write on an idle stack -----------------------------------------
# Single writes 250 ms apart once the stack is idle; commit → indexed from the databases'
# own timestamps (outbox.created_at, the search consumer's processed_events.processed_at).
sleep 3
marker="$(private_psql -d users -c "SELECT coalesce(max(id), 0) FROM outbox")"
for k in $(seq 1 30); do
  curl -fsS -o /dev/null -X POST "$user/users" -H "Authorization: Bearer $BEARER_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Idle $k\",\"email\":\"idle-$k-$RANDOM@example.com\"}"
  sleep 0.25
done
sleep 2
private_psql -d users -c "SELECT event_id, extract(epoch FROM created_at) * 1000 FROM outbox WHERE id > $marker" >"$dir/idle-outbox.txt"
private_psql -d search -c "SELECT event_id, extract(epoch FROM processed_at) * 1000 FROM processed_events" >"$dir/idle-search.txt"
idle="$(python3 - "$dir/idle-outbox.txt" "$dir/idle-search.txt" <<'PY'
import sys
created = dict(line.strip().split("|") for line in open(sys.argv[1]) if line.strip())
applied = dict(line.strip().split("|") for line in open(sys.argv[2]) if line.strip())
gaps = sorted(float(applied[e]) - float(c) for e, c in created.items() if e in applied)
q = lambda p: gaps[min(len(gaps) - 1, int(p * len(gaps)))]
print(f"{len(gaps)} {q(0.5):.1f} {q(0.9):.1f}" if gaps else "0 0 0")
PY
)"
read -r idle_n idle_p50 idle_p90 <<<"$idle"
add "5. one write on an idle stack ($idle_n writes 250 ms apart, KAFKA_FETCH_WAIT_MAX_MS=${KAFKA_FETCH_WAIT_MAX_MS:-5}): commit → search indexed p50 $idle_p50 ms, p90 $idle_p90 ms"
chart "one write on an idle stack → indexed" "$idle_p50" "" "15"

# --- 6. user-service's memory over a million writes ----------------------------
kill "$(cat "$dir/pids/analytics-service.pid")" "$(cat "$dir/pids/search-service.pid")"
memory_growth "it had served every run above"

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(swift --version 2>/dev/null | head -n 1)"
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`scripts/bench.sh $seconds\` on $(date -u +%Y-%m-%d) ($machine), release build,"
  echo "PostgreSQL 15 (synchronous_commit on, fsync off, as in the local stack) and LocalBroker (librdkafka's mock cluster)."
  echo "Every figure stands beside a reference measured in the same run on the same machine."
  echo
  for line in "${report[@]}"; do echo "- $line"; done
  echo
  echo "Latency percentiles of this run, with the targets: [benchmarks-latency.svg](benchmarks-latency.svg)."
} >"$dir/benchmarks.md"
printf '%s\n' "${chart_rows[@]}" >"$dir/chart.txt"
python3 scripts/lib/bench_chart.py "$dir/chart.txt" docs/benchmarks-latency.svg "Latency by measurement ($(date -u +%Y-%m-%d), scripts/bench.sh)"
cat "$dir/benchmarks.md"
# The hand-written analysis (from a line "## Analysis" on) is kept; the figures above it are replaced.
if [ -f docs/benchmarks.md ] && grep -q '^## Analysis' docs/benchmarks.md; then
  { echo; sed -n '/^## Analysis/,$p' docs/benchmarks.md; } >>"$dir/benchmarks.md"
fi
cp "$dir/benchmarks.md" docs/benchmarks.md
echo "bench: written to docs/benchmarks.md"
