#!/usr/bin/env bash
# End-to-end check (part of scripts/test.sh): a fresh local stack on free
# ports and in a temporary directory, the curl demo against it, then
# convergence asserted — search and analytics reflect every write of the demo
# and both consumers' lag lines read lag=0 status=OK, `search-service rebuild`
# switches to a rebuilt index that `user-service reconcile` finds identical to
# the source — then `down`, and
# nothing of the stack may be left running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh

fail() { echo "e2e: FAILED: $*" >&2; exit 1; }

private_stack e2e

cleanup() {
  scripts/local-stack.sh down >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# The periodic anti-entropy check every 2 s, so its metrics exist for the dashboard check below.
export ANTI_ENTROPY_INTERVAL_SECONDS=2
started=$SECONDS
scripts/local-stack.sh up >"$dir/up.log" 2>&1 || { cat "$dir/up.log"; fail "local-stack.sh up"; }
export_admin_token
auth=(-H "Authorization: Bearer $BEARER_TOKEN")
MANAGEMENT_URLS="$user_management $analytics_management $search_management" \
  scripts/demo.sh "$user" "$analytics" "$search" >"$dir/demo.log" 2>&1 || { cat "$dir/demo.log"; fail "demo.sh"; }
ids="$(tail -n 1 "$dir/demo.log")"
ada="$(sed -n 's/.*ada=\([0-9a-f-]*\).*/\1/p' <<<"$ids")"
grace="$(sed -n 's/.*grace=\([0-9a-f-]*\).*/\1/p' <<<"$ids")"
alan="$(sed -n 's/.*alan=\([0-9a-f-]*\).*/\1/p' <<<"$ids")"
[ -n "$ada" ] && [ -n "$grace" ] && [ -n "$alan" ] || fail "the demo did not print its user ids: $ids"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Search holds exactly what user-service holds, for every user of the demo.
for id in "$ada" "$alan"; do
  expected="$(curl "${auth[@]}" -fsS "$user/users/$id" | json '(d["version"], d["name"], d["email"], d["bio"])')"
  version="$(curl "${auth[@]}" -fsS "$user/users/$id" | json 'd["version"]')"
  indexed="$(curl "${auth[@]}" -fsS "$search/search/users/$id?minVersion=$version&waitMs=5000" | json '(d["version"], d["name"], d["email"], d["bio"])')"
  [ "$indexed" = "$expected" ] || fail "search has $indexed for $id, user-service has $expected"
done
[ "$(curl "${auth[@]}" -s -o /dev/null -w '%{http_code}' "$user/users/$grace")" = 404 ] || fail "grace should be deleted in user-service"
[ "$(curl "${auth[@]}" -s -o /dev/null -w '%{http_code}' "$search/search/users/$grace")" = 404 ] || fail "grace should be absent from search"

# Analytics counted every write of the demo exactly once: 3 creates, 1 patch, 1 delete. Repairs
# are events too, counted in both eventsApplied and repairsApplied: anti-entropy (every 2 s here)
# may send one for a write it saw in flight twice, so they are left out of the count.
summary="$(curl "${auth[@]}" -fsS "$analytics/analytics/summary")"
counts="$(json '(d["users"], d["deletedUsers"], d["profileUpdates"], d["eventsApplied"] - d["repairsApplied"], d["updatesByField"]["bio"])' <<<"$summary")"
[ "$counts" = "(2, 1, 1, 5, 1)" ] || fail "analytics summary (users, deleted, updates, applied besides repairs, bio updates) = $counts, expected (2, 1, 1, 5, 1): $summary"

# Schemathesis against user-service's public port with an admin token: every operation of
# openapi.yaml, generated and mutated requests (POST, PUT, PATCH, DELETE included) for 60 s;
# no answer may be a server error (5xx) or an unparseable response. Installed in a venv under
# .local/tools (kept between runs on one machine).
install_schemathesis
"$schemathesis" run openapi.yaml --url "$user" -H "Authorization: Bearer $BEARER_TOKEN" \
  --checks not_a_server_error --max-time 60 --workers 2 --seed 1 --no-color >"$dir/schemathesis.log" 2>&1 \
  || { tail -n 60 "$dir/schemathesis.log"; fail "schemathesis found a server error (log above)"; }
echo "e2e: schemathesis: $(grep -E '[0-9]+ (passed|failed)' "$dir/schemathesis.log" | tail -n 1 | tr -s ' ')"

# Rebuild the search index while the stack runs; then the source and the rebuilt index agree.
bin="$(pwd)/.build/${BUILD_CONFIGURATION:-debug}"
# rebuild creates, moves and drops tables: it runs as the owner role; reconcile only reads, as the runtime role.
DATABASE_URL_FILE="$database_dir/search.url" MIGRATION_DATABASE_URL_FILE="$database_dir/search-migration.url" KAFKA_BROKERS="$brokers" EVENT_VERIFY_KEYS_FILE="$event_key_file" LOG_LEVEL=warning "$bin/search-service" rebuild >"$dir/rebuild.log" 2>&1 \
  || { cat "$dir/rebuild.log"; fail "search-service rebuild"; }
grep -q "switched to the rebuilt projection" "$dir/rebuild.log" || { cat "$dir/rebuild.log"; fail "rebuild did not report the switch"; }
echo "e2e: $(grep 'switched to the rebuilt projection' "$dir/rebuild.log")"
DATABASE_URL_FILE="$database_dir/users.url" SEARCH_URL="$search_management" ANALYTICS_URL="$analytics_management" LOG_LEVEL=warning "$bin/user-service" reconcile >"$dir/reconcile.log" 2>&1 \
  || { cat "$dir/reconcile.log"; fail "reconcile after the rebuild found a divergence (or could not check)"; }
grep -q "0 divergent user(s)" "$dir/reconcile.log" || { cat "$dir/reconcile.log"; fail "reconcile after the rebuild"; }
[ "$(curl "${auth[@]}" -s -o /dev/null -w '%{http_code}' "$search/search/users/$grace")" = 404 ] || fail "grace came back in the rebuilt index"

# Least privilege on the running stack: every TCP line of pg_hba.conf asks for a password;
# the services' sessions are their runtime roles, none a superuser; a runtime role can change
# no schema and reach no other database; no password of the stack is in any log.
hba_trust="$(private_psql -d postgres -c "SELECT count(*) FROM pg_hba_file_rules WHERE type LIKE 'host%' AND auth_method = 'trust'")"
[ "$hba_trust" = 0 ] || fail "pg_hba.conf trusts $hba_trust TCP line(s)"
sessions="$(private_psql -d postgres -c "SELECT string_agg(DISTINCT a.usename || CASE WHEN r.rolsuper THEN ' (SUPERUSER)' ELSE '' END, ', ') FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()")"
[ "$sessions" = "analytics_runtime, search_runtime, users_runtime" ] || fail "the services' sessions are not exactly their runtime roles: $sessions"
runtime_url="$(cat "$database_dir/users.url")"
psql_bin="$(postgres_bin_dir)/psql"
if "$psql_bin" -X -q "$runtime_url" -c "CREATE TABLE intruder (id int)" >/dev/null 2>&1; then fail "users_runtime created a table"; fi
if "$psql_bin" -X -q "${runtime_url%/users}/search" -c "SELECT 1" >/dev/null 2>&1; then fail "users_runtime reached the search database"; fi
for secret in "$database_dir"/*.password "$event_key_file"; do
  value="$(tr -d '\n' <"$secret")"
  value="${value#*:}" # the event key's id is not secret, its bytes are
  ! grep -rqF -- "$value" "$dir/logs" "$dir/postgres/postgres.log" || fail "the secret of $(basename "$secret") appears in a log"
done
echo "e2e: least privilege: no trust line for TCP, sessions $sessions, DDL and other databases refused, no secret in $(ls "$dir/logs" | wc -l) logs"

# Both lag lines come back to lag=0 status=OK.
for service in analytics-service search-service; do
  ok=""
  for _ in $(seq 1 100); do
    line="$(grep -h 'msg="consumer lag"' "$dir/logs/$service.log" | tail -n 1 || true)"
    if [[ "$line" == *" lag=0 status=OK "* ]]; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || fail "$service's last lag line is not lag=0 status=OK: ${line:-none}"
  echo "e2e: $service: $line"
done

# Every metric the dashboard and the alert rules query is one the services export.
has_anti_entropy_metrics() { curl -fsS "$user_management/metrics" | grep -q '^anti_entropy_runs_total{'; }
for _ in $(seq 1 100); do has_anti_entropy_metrics && break; sleep 0.2; done
dumps=()
for url in "$user_management" "$analytics_management" "$search_management"; do
  curl -fsS "$url/metrics" >"$dir/metrics-${url##*:}.txt" || fail "GET $url/metrics"
  dumps+=(--metrics "$dir/metrics-${url##*:}.txt")
done
# The public ports serve none of the management routes.
for url in "$user" "$analytics" "$search"; do
  for path in /metrics /consistency/digest; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url$path")" = 404 ] || fail "$url$path answers on the public port"
  done
done
python3 scripts/lib/check_metric_queries.py "${dumps[@]}" --datasources ops/grafana/provisioning/datasources/prometheus.yml \
  ops/grafana/dashboards/*.json ops/prometheus/alerts.yml || fail "the dashboard or the alert rules query a metric the services do not export"

# Down stops everything it started.
pids_before="$(cat "$dir"/pids/*.pid | tr '\n' ' ')"
pg_pid="$(head -n 1 "$dir/postgres/data/postmaster.pid")"
scripts/local-stack.sh down >"$dir/down.log" 2>&1 || { cat "$dir/down.log"; fail "local-stack.sh down"; }
for pid in $pids_before $pg_pid; do
  # PostgreSQL's postmaster may take a moment to exit after pg_ctl reports it stopped.
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null || fail "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) is still running 5 s after down"
done
for port in "${ports[@]}"; do
  [ -z "$(ss -H -ltn "sport = :$port")" ] || fail "port $port is still open after down"
done
echo "e2e: OK in $((SECONDS - started)) s — demo ran, search and analytics converged, rebuild switched with 0 divergent, lag 0, nothing left running"
