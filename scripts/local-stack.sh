#!/usr/bin/env bash
# The whole system on one machine, without Docker: a throwaway PostgreSQL
# (data under .local/), LocalBroker (librdkafka's mock cluster) on
# 127.0.0.1:9092, user-service, analytics-service and search-service on
# 8080, 8081 and 8082, and Prometheus (Debian's package) on 127.0.0.1:9090
# scraping them, with the alert rules of ops/prometheus/alerts.yml.
#
#   scripts/local-stack.sh up              # build once, start everything, wait until ready
#   scripts/local-stack.sh status          # each component, its pid and URL, the last lag lines
#   scripts/local-stack.sh logs [-f] [c]   # logs so far (or follow); c = a component name
#   scripts/local-stack.sh down            # stop exactly what `up` started
#   scripts/local-stack.sh token --admin   # a bearer token (or --subject <user id>) [--ttl-seconds N]
#   scripts/local-stack.sh psql [db]       # psql as the superuser, over the Unix socket only
#
# Environment: LOCAL_POSTGRES_PORT (55432), BUILD_CONFIGURATION (debug|release,
# default debug: the build the tests use), LAG_LOG_INTERVAL_SECONDS (5), LOG_FORMAT,
# KAFKA_FETCH_WAIT_MAX_MS (5 here: the mock cluster holds every fetch that long, so it
# bounds each record's latency; Apache Kafka answers at once and keeps the default 100).
# CONSUMER_INSTANCES (1): instances of each consumer, same group, same database;
# instance k (2, 3, …) is the component analytics-service-k / search-service-k,
# on the ports listed in ANALYTICS_SERVICE_EXTRA_PORTS / SEARCH_SERVICE_EXTRA_PORTS
# (default: the first instance's port + 10 × (k − 1), e.g. 8091 and 8092).
# `down` and `status` also cover instances started by an earlier `up` with more.
# For a second, independent stack (the tests' end-to-end check uses this):
# LOCAL_STACK_DIR (.local), LOCAL_BROKER_PORT (9092), USER_SERVICE_PORT (8080),
# ANALYTICS_SERVICE_PORT (8081), SEARCH_SERVICE_PORT (8082), PROMETHEUS_PORT (9090),
# USER_SERVICE_MANAGEMENT_PORT (9180), ANALYTICS_SERVICE_MANAGEMENT_PORT (9181),
# SEARCH_SERVICE_MANAGEMENT_PORT (9182) (an extra consumer instance k: its service's + 10 × (k − 1));
# LOCAL_BROKER_ARGS adds arguments to local-broker (scripts/bench.sh uses it for a
# scratch topic).
#
# Secrets: the first `up` creates the event signing key (.local/keys/event-signing.key,
# mode 600, never committed: .local/ is ignored). user-service signs every record with
# it (EVENT_SIGNING_KEY_FILE) and the consumers verify with it (EVENT_VERIFY_KEYS_FILE).
# Delete the file to get a new key at the next `up`. The first `up` also creates the token
# signing key pair (.local/auth/signing-key.json, mode 600, and jwks.json): the services
# verify bearer tokens against jwks.json (AUTH_JWKS); `token` signs with the private key.
# Database: the first `up` generates the passwords of each database's owner role (migrations)
# and runtime role (the service) in .local/database/ (mode 600) with the URL files the
# services read (DATABASE_URL_FILE) and `migrate` reads (MIGRATION_DATABASE_URL_FILE); every
# `up` runs ops/postgres/create-roles.sh and each service's `migrate`. Over TCP every role
# logs in with scram-sha-256; the superuser has no password: only the Unix socket reaches it.
# RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST, if set, reach the services (the load scripts
# raise them: one token drives all their clients).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

root="$PWD"
state="${LOCAL_STACK_DIR:-$root/.local}"
logs="$state/logs"
pids="$state/pids"
pg_dir="$state/postgres"
pg_port="${LOCAL_POSTGRES_PORT:-55432}"
keys_dir="$state/keys"
# The database roles' passwords and the URLs the services and `migrate` read (mode 600).
database_dir="$state/database"
event_key_file="$keys_dir/event-signing.key"
auth_dir="$state/auth"
configuration="${BUILD_CONFIGURATION:-debug}"
broker_port="${LOCAL_BROKER_PORT:-9092}"
consumer_instances="${CONSUMER_INSTANCES:-1}"
prometheus_port="${PROMETHEUS_PORT:-9090}"
prometheus_dir="$state/prometheus"
prometheus_port_hint="Prometheus (set PROMETHEUS_PORT to use another; a system Prometheus from Debian's package stops with 'systemctl disable --now prometheus')"
services=(user-service analytics-service search-service)
declare -A service_port=(
  [user-service]="${USER_SERVICE_PORT:-8080}"
  [analytics-service]="${ANALYTICS_SERVICE_PORT:-8081}"
  [search-service]="${SEARCH_SERVICE_PORT:-8082}"
)
# Each component's management listener (/metrics, /consistency/*, the probes), on 127.0.0.1.
declare -A management_port=(
  [user-service]="${USER_SERVICE_MANAGEMENT_PORT:-9180}"
  [analytics-service]="${ANALYTICS_SERVICE_MANAGEMENT_PORT:-9181}"
  [search-service]="${SEARCH_SERVICE_MANAGEMENT_PORT:-9182}"
)
declare -A service_database=([user-service]=users [analytics-service]=analytics [search-service]=search)
# user-service signs with the event key, the consumers verify with it.
declare -A event_key_variable=([user-service]=EVENT_SIGNING_KEY_FILE [analytics-service]=EVENT_VERIFY_KEYS_FILE [search-service]=EVENT_VERIFY_KEYS_FILE)

say() { printf '%s\n' "$*"; }
fail() { printf 'local-stack: %s\n' "$*" >&2; exit 1; }

[[ "$consumer_instances" =~ ^[1-9]$ ]] || fail "CONSUMER_INSTANCES=$consumer_instances must be a number from 1 to 9"

bin_dir() { echo "$root/.build/$configuration"; }

# binary_of NAME: the executable a component runs (analytics-service-2 runs analytics-service).
binary_of() { echo "${1%-[0-9]*}"; }

# pid_of NAME: the pid recorded for a component if that process still runs the component's binary.
pid_of() {
  local file="$pids/$1.pid" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "/$(binary_of "$1") " && { echo "$pid"; return 0; }
  return 1
}

# add_instances SERVICE EXTRA_PORTS: adds instances 2…CONSUMER_INSTANCES of a consumer to
# the components, on the listed ports or, past the list, on its port + 10 × (k − 1).
add_instances() {
  local service="$1" k name
  local -a extra
  read -r -a extra <<<"$2"
  for ((k = 2; k <= consumer_instances; k++)); do
    name="$service-$k"
    services+=("$name")
    service_port[$name]="${extra[k - 2]:-$((${service_port[$service]} + 10 * (k - 1)))}"
    management_port[$name]="$((${management_port[$service]} + 10 * (k - 1)))"
  done
}
add_instances analytics-service "${ANALYTICS_SERVICE_EXTRA_PORTS:-}"
add_instances search-service "${SEARCH_SERVICE_EXTRA_PORTS:-}"

# Instances still running from an earlier `up` with more CONSUMER_INSTANCES (found by
# their pid files) are components too, so `down` and `status` cover them.
for file in "$pids"/analytics-service-*.pid "$pids"/search-service-*.pid; do
  [ -f "$file" ] || continue
  name="$(basename "$file" .pid)"
  [ -z "${service_port[$name]:-}" ] && pid_of "$name" >/dev/null || continue
  services+=("$name")
  service_port[$name]="$(cat "$pids/$name.port" 2>/dev/null || echo unknown)"
  management_port[$name]="$(cat "$pids/$name.management-port" 2>/dev/null || echo unknown)"
done

# consumers: the consumer components (every instance), one a line.
consumers() { printf '%s\n' "${services[@]}" | grep -v '^user-service$'; }

postgres_running() {
  [ -f "$pg_dir/data/postmaster.pid" ] && as_postgres_owner "$(postgres_bin_dir)/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1
}

# port_owner PORT: who listens on a TCP port (empty if nobody).
port_owner() {
  ss -H -ltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n 1
}

port_in_use() {
  [ -n "$(ss -H -ltn "sport = :$1" 2>/dev/null)" ]
}

# require_free_port PORT WHAT: explains and exits if someone else holds the port.
require_free_port() {
  if port_in_use "$1"; then
    fail "port $1 (for $2) is taken by $(port_owner "$1" || echo 'another process'). Stop it, or run 'scripts/local-stack.sh status' if it is a stack started from another checkout."
  fi
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

build() {
  say "building ($configuration) — the first build takes several minutes; output in $logs/build.log"
  local product
  for product in user-service analytics-service search-service local-broker ${LOCAL_STACK_EXTRA_PRODUCTS:-}; do
    swift build -c "$configuration" --product "$product" >>"$logs/build.log" 2>&1 || {
      tail -n 30 "$logs/build.log" >&2
      fail "the build of $product failed; full output in $logs/build.log"
    }
  done
}

start_postgres() {
  if postgres_running; then say "postgres          already running on 127.0.0.1:$pg_port"; return; fi
  require_free_port "$pg_port" "PostgreSQL (set LOCAL_POSTGRES_PORT to use another)"
  mkdir -p "$pg_dir"
  start_throwaway_postgres "$pg_dir" "$pg_port" || fail "PostgreSQL did not start; see $pg_dir/postgres.log"
  echo "$pg_port" >"$state/postgres.port"
  say "postgres          started on 127.0.0.1:$pg_port (data in $pg_dir)"
}

# ensure_database_roles: per database its owner and runtime roles (ops/postgres/create-roles.sh,
# over the superuser's Unix socket), their passwords generated on first `up` under
# .local/database/ (mode 600, never committed), and the URL files: <db>.url (the runtime
# role, the services' DATABASE_URL_FILE) and <db>-migration.url (the owner role, `migrate`'s
# MIGRATION_DATABASE_URL_FILE). Then each service's `migrate` as the owner: the services
# themselves only check that their schema is current.
ensure_database_roles() {
  local db role password psql_command
  mkdir -p "$database_dir"
  chmod 700 "$database_dir"
  for db in users analytics search; do
    for role in "${db}_owner" "${db}_runtime"; do
      [ -s "$database_dir/$role.password" ] && continue
      password="$(head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
      (umask 077 && printf '%s\n' "$password" >"$database_dir/$role.password")
    done
    (umask 077
      printf 'postgres://%s_runtime:%s@127.0.0.1:%s/%s\n' "$db" "$(cat "$database_dir/${db}_runtime.password")" "$pg_port" "$db" >"$database_dir/$db.url"
      printf 'postgres://%s_owner:%s@127.0.0.1:%s/%s\n' "$db" "$(cat "$database_dir/${db}_owner.password")" "$pg_port" "$db" >"$database_dir/$db-migration.url")
  done
  psql_command="$(postgres_bin_dir)/psql -h $pg_dir -p $pg_port -U postgres"
  [ "$(id -u)" -ne 0 ] || psql_command="runuser -u postgres -- $psql_command"
  ROLE_PASSWORDS_DIR="$database_dir" PSQL="$psql_command" "$root/ops/postgres/create-roles.sh" users analytics search >>"$logs/roles.log" 2>&1 \
    || { tail -n 20 "$logs/roles.log" >&2; fail "creating the database roles failed; log: $logs/roles.log"; }
  local service
  for service in user-service analytics-service search-service; do
    MIGRATION_DATABASE_URL_FILE="$database_dir/${service_database[$service]}-migration.url" MIGRATIONS_PATH="$root/Migrations" \
      LOG_FORMAT=logfmt LOG_LEVEL=warning "$(bin_dir)/$service" migrate >>"$logs/migrate.log" 2>&1 \
      || { tail -n 20 "$logs/migrate.log" >&2; fail "$service migrate failed; log: $logs/migrate.log"; }
  done
  say "database roles    <db>_owner (migrations) and <db>_runtime (the services) for users, analytics, search; URLs in $database_dir"
}

# write_prometheus_config: the local Prometheus's configuration. Like the compose stack's
# (ops/prometheus/prometheus.yml) and with the same alert rules, but the targets are the
# components' ports on 127.0.0.1, every consumer instance in its service's job.
write_prometheus_config() {
  local job name
  mkdir -p "$prometheus_dir"
  {
    echo "# Written by scripts/local-stack.sh up; compose uses ops/prometheus/prometheus.yml."
    echo "global: {scrape_interval: 5s, evaluation_interval: 5s}"
    echo "rule_files: [\"$root/ops/prometheus/alerts.yml\"]"
    echo "scrape_configs:"
    for job in user-service analytics-service search-service; do
      echo "  - job_name: $job"
      echo "    static_configs:"
      echo "      - targets:"
      for name in "${services[@]}"; do
        if [ "$(binary_of "$name")" = "$job" ]; then echo "          - 127.0.0.1:${management_port[$name]}"; fi
      done
    done
  } >"$prometheus_dir/prometheus.yml"
  promtool check config "$prometheus_dir/prometheus.yml" >"$logs/promtool.log" 2>&1 \
    || { cat "$logs/promtool.log" >&2; fail "promtool rejects $prometheus_dir/prometheus.yml"; }
}

# launch NAME COMMAND...: starts a component in its own session, logging to .local/logs/NAME.log.
launch() {
  local name="$1"; shift
  setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pids/$name.pid"
}

start_broker() {
  if pid_of local-broker >/dev/null; then say "local-broker      already running on 127.0.0.1:$broker_port"; return; fi
  require_free_port "$broker_port" "LocalBroker"
  # shellcheck disable=SC2086 # LOCAL_BROKER_ARGS is a list of extra arguments (e.g. "--groups bench")
  launch local-broker "$(bin_dir)/local-broker" --port "$broker_port" ${LOCAL_BROKER_ARGS:-}
  wait_for 30 "broker" bash -c "exec 3<>/dev/tcp/127.0.0.1/$broker_port" || {
    tail -n 20 "$logs/local-broker.log" >&2
    fail "LocalBroker did not start listening on $broker_port; log: $logs/local-broker.log"
  }
  say "local-broker      started on 127.0.0.1:$broker_port"
}

# start_prometheus: starts Prometheus, or makes a running one reload its configuration
# (the consumer instances may have changed since it started).
start_prometheus() {
  local pid
  write_prometheus_config
  if pid="$(pid_of prometheus)"; then
    kill -HUP "$pid"
    say "prometheus        already running on http://127.0.0.1:$prometheus_port (configuration reloaded)"
    return
  fi
  require_free_port "$prometheus_port" "$prometheus_port_hint"
  echo "$prometheus_port" >"$pids/prometheus.port"
  launch prometheus "$(command -v prometheus)" --config.file="$prometheus_dir/prometheus.yml" \
    --storage.tsdb.path="$prometheus_dir/data" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$prometheus_port"
  wait_for 30 "prometheus" curl -fsS "http://127.0.0.1:$prometheus_port/-/ready" || {
    tail -n 20 "$logs/prometheus.log" >&2
    fail "Prometheus did not become ready on 127.0.0.1:$prometheus_port; log: $logs/prometheus.log"
  }
  say "prometheus        started on http://127.0.0.1:$prometheus_port"
}

# ensure_event_key: creates the event signing key on first `up`: `local-1:<32 random bytes, base64>`,
# readable by this user only. The same file is user-service's signing key and the consumers'
# only verify key (a rotation would add a second line to theirs, see docs/operations.md).
ensure_event_key() {
  [ -s "$event_key_file" ] && return 0
  mkdir -p "$keys_dir"
  chmod 700 "$keys_dir"
  (umask 077 && printf 'local-1:%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$event_key_file")
  say "event key         created in $event_key_file (user-service signs with it, the consumers verify with it)"
}

# ensure_auth_keys: the development token issuer's key pair, on first `up`.
ensure_auth_keys() {
  [ -s "$auth_dir/signing-key.json" ] && return 0
  "$(bin_dir)/user-service" auth-keys --directory "$auth_dir" --key-id "local-$(date +%Y%m%d)" >/dev/null
  chmod 700 "$auth_dir"
  say "auth keys         created in $auth_dir (the services verify tokens with jwks.json; 'scripts/local-stack.sh token' signs them)"
}

# token ARGS…: a bearer token from the local issuer (user-service token).
token_command() {
  [ -s "$auth_dir/signing-key.json" ] || fail "no signing key yet: run scripts/local-stack.sh up first"
  AUTH_SIGNING_KEY_FILE="$auth_dir/signing-key.json" "$(bin_dir)/user-service" token "$@"
}

start_service() {
  local name="$1" port="${service_port[$1]}" binary
  binary="$(binary_of "$1")"
  if pid_of "$name" >/dev/null; then say "$(printf '%-17s' "$name") already running on http://127.0.0.1:$port"; return; fi
  require_free_port "$port" "$name"
  require_free_port "${management_port[$name]}" "$name's management listener"
  echo "$port" >"$pids/$name.port"
  echo "${management_port[$name]}" >"$pids/$name.management-port"
  HTTP_HOST=127.0.0.1 HTTP_PORT="$port" MANAGEMENT_HOST=127.0.0.1 MANAGEMENT_PORT="${management_port[$name]}" \
    DATABASE_URL_FILE="$database_dir/${service_database[$binary]}.url" \
    KAFKA_BROKERS="127.0.0.1:$broker_port" \
    KAFKA_FETCH_WAIT_MAX_MS="${KAFKA_FETCH_WAIT_MAX_MS:-5}" \
    LAG_LOG_INTERVAL_SECONDS="${LAG_LOG_INTERVAL_SECONDS:-5}" \
    LOG_FORMAT="${LOG_FORMAT:-logfmt}" LOG_LEVEL="${LOG_LEVEL:-info}" \
    MIGRATIONS_PATH="$root/Migrations" AUTH_JWKS="$auth_dir/jwks.json" \
    SEARCH_URL="http://127.0.0.1:${management_port[search-service]}" ANALYTICS_URL="http://127.0.0.1:${management_port[analytics-service]}" \
    launch "$name" env "${event_key_variable[$binary]}=$event_key_file" "$(bin_dir)/$binary"
}

wait_ready() {
  local name="$1" port="${service_port[$1]}"
  if ! wait_for 90 "$name" curl -fsS "http://127.0.0.1:$port/ready"; then
    say "--- last lines of $logs/$name.log ---" >&2
    tail -n 20 "$logs/$name.log" >&2 || true
    if ! pid_of "$name" >/dev/null; then fail "$name exited during start-up (see the log above)"; fi
    fail "$name did not become ready within 90 s: $(curl -s "http://127.0.0.1:$port/ready" || echo 'no answer')"
  fi
  say "$(printf '%-17s' "$name") ready on http://127.0.0.1:$port"
}

# wait_assigned NAME: a consumer has its partitions. The broker forms a new group about 3 s
# after its first member joins; until then nothing is applied, and a write made right after
# `up` would take that long to reach the projections. Not fatal: the stack works, later.
wait_assigned() {
  local name="$1"
  wait_for 30 "$name partitions" has_partitions "$logs/$name.log" && return
  say "$(printf '%-17s' "$name") has no partitions yet (its group is still forming): the first events may take a few seconds"
}
# has_partitions LOG: the log's last subscription was followed by an assignment.
has_partitions() { awk '/consumer subscribed/ { assigned = 0 } /partitions assigned/ { assigned = 1 } END { exit !assigned }' "$1"; }

demo_arguments() {
  if [ "${service_port[user-service]}" != 8080 ] || [ "${service_port[analytics-service]}" != 8081 ] || [ "${service_port[search-service]}" != 8082 ]; then
    printf ' http://127.0.0.1:%s http://127.0.0.1:%s http://127.0.0.1:%s' "${service_port[user-service]}" "${service_port[analytics-service]}" "${service_port[search-service]}"
  fi
}

up() {
  install_prerequisites
  mkdir -p "$logs" "$pids"
  [ -n "${LOCAL_STACK_SKIP_BUILD:-}" ] || build
  # Every port is checked before anything starts, so a conflict leaves nothing half-started.
  postgres_running || require_free_port "$pg_port" "PostgreSQL (set LOCAL_POSTGRES_PORT to use another)"
  pid_of local-broker >/dev/null || require_free_port "$broker_port" "LocalBroker"
  local name
  for name in "${services[@]}"; do
    pid_of "$name" >/dev/null || { require_free_port "${service_port[$name]}" "$name"; require_free_port "${management_port[$name]}" "$name's management listener"; }
  done
  pid_of prometheus >/dev/null || require_free_port "$prometheus_port" "$prometheus_port_hint"
  ensure_event_key
  ensure_auth_keys
  start_postgres
  ensure_database_roles
  start_broker
  for name in "${services[@]}"; do start_service "$name"; done
  for name in "${services[@]}"; do wait_ready "$name"; done
  start_prometheus
  for name in "${services[@]:1}"; do wait_assigned "$name"; done
  local extra_instances
  extra_instances="$(extra_instances_summary)"
  [ -z "$extra_instances" ] || extra_instances+=$'\n'
  cat <<EOF

The stack is up.
  user-service       http://127.0.0.1:${service_port[user-service]}   (POST/GET/PUT/PATCH/DELETE /users)
  analytics-service  http://127.0.0.1:${service_port[analytics-service]}   (GET /analytics/summary)
  search-service     http://127.0.0.1:${service_port[search-service]}   (GET /search?q=…)
  management         http://127.0.0.1:{${management_port[user-service]},${management_port[analytics-service]},${management_port[search-service]}}   (/metrics, /consistency/*, /health, /ready; loopback only)
  Kafka (LocalBroker) 127.0.0.1:$broker_port, topic user-events (kcat -b 127.0.0.1:$broker_port -C -t user-events)
  PostgreSQL         127.0.0.1:$pg_port, databases users, analytics, search; each service as <db>_runtime, migrations as <db>_owner
                     (URLs with passwords: $database_dir/<db>.url, <db>-migration.url; superuser: scripts/local-stack.sh psql [db])
  Prometheus         http://127.0.0.1:$prometheus_port   (graphs; /alerts: the rules of ops/prometheus/alerts.yml)
${extra_instances}  Logs               $logs/   (scripts/local-stack.sh logs [-f] [component])
  Lag lines          scripts/local-stack.sh logs -f analytics-service | grep 'consumer lag'
A token:  TOKEN=\$(scripts/local-stack.sh token --admin); curl -H "Authorization: Bearer \$TOKEN" …
Try it:   scripts/demo.sh$(demo_arguments)
Stop it:  scripts/local-stack.sh down
EOF
}

# extra_instances_summary: a line per consumer instance past the first (none by default).
extra_instances_summary() {
  local name
  for name in "${services[@]:3}"; do
    printf '  %-18s http://127.0.0.1:%s   (same group and database as %s)\n' "$name" "${service_port[$name]}" "$(binary_of "$name")"
  done
}

stop_pid() { # stop_pid NAME
  local name="$1" pid
  pid="$(pid_of "$name")" || { rm -f "$pids/$name.pid" "$pids/$name.port" "$pids/$name.management-port"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for 15 "$name exit" bash -c "! kill -0 $pid"; then
    say "$name did not stop within 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pids/$name.pid" "$pids/$name.port" "$pids/$name.management-port"
  say "stopped $name"
}

down() {
  local name
  for name in prometheus $(consumers | sort -r) user-service local-broker; do stop_pid "$name"; done
  if postgres_running; then
    stop_throwaway_postgres "$pg_dir"
    say "stopped postgres"
  fi
  say "the stack is down (data kept in $state; delete it for a fresh start)"
}

status() {
  local name pid
  if postgres_running; then say "postgres          running   127.0.0.1:$pg_port"; else say "postgres          stopped"; fi
  if pid="$(pid_of local-broker)"; then say "local-broker      running   pid $pid  127.0.0.1:$broker_port"; else say "local-broker      stopped"; fi
  for name in "${services[@]}"; do
    if pid="$(pid_of "$name")"; then
      local ready
      ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${service_port[$name]}/ready" || true)"
      [ "$ready" = 000 ] && ready="no answer"
      say "$(printf '%-17s' "$name") running   pid $pid  http://127.0.0.1:${service_port[$name]}  /ready → $ready"
    else
      say "$(printf '%-17s' "$name") stopped"
    fi
  done
  if pid="$(pid_of prometheus)"; then
    say "prometheus        running   pid $pid  http://127.0.0.1:$prometheus_port  alerts firing: $(firing_alerts)"
  elif port_in_use "$prometheus_port"; then
    say "prometheus        stopped   (port $prometheus_port is held by $(port_owner "$prometheus_port" || echo 'another process'), not by this stack)"
  else
    say "prometheus        stopped"
  fi
  for name in $(consumers); do
    local line
    pid_of "$name" >/dev/null || continue
    line="$(grep -h 'msg="consumer lag"' "$logs/$name.log" 2>/dev/null | tail -n 1 || true)"
    [ -n "$line" ] && say "$name: $line"
  done
  return 0
}

# firing_alerts: the names of the alerts the local Prometheus fires now ("none"), or why it cannot say.
firing_alerts() {
  curl -fsS "http://127.0.0.1:$prometheus_port/api/v1/alerts" 2>/dev/null | python3 -c '
import json, sys
alerts = json.load(sys.stdin)["data"]["alerts"]
print(", ".join(sorted({a["labels"]["alertname"] for a in alerts if a["state"] == "firing"})) or "none")' 2>/dev/null \
    || echo "no answer"
}

logs_command() {
  local follow="" component=""
  for arg in "$@"; do
    case "$arg" in
      -f|--follow) follow=1 ;;
      *) component="$arg" ;;
    esac
  done
  local files=()
  if [ "$component" = postgres ]; then
    files=("$pg_dir/postgres.log")
  elif [ -n "$component" ]; then
    [ -f "$logs/$component.log" ] || fail "no log for '$component' (components: postgres local-broker ${services[*]} prometheus)"
    files=("$logs/$component.log")
  else
    files=("$logs"/*.log)
    [ -f "$pg_dir/postgres.log" ] && files+=("$pg_dir/postgres.log")
  fi
  if [ -n "$follow" ]; then exec tail -n 50 -F "${files[@]}"; else cat "${files[@]}"; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  logs) shift; logs_command "$@" ;;
  token) shift; token_command "$@" ;;
  psql) shift; postgres_running || fail "PostgreSQL is not running: scripts/local-stack.sh up"
    database="${1:-users}"; [ $# -eq 0 ] || shift
    socket_psql "$pg_dir" "$pg_port" -d "$database" "$@" ;;
  *) say "usage: scripts/local-stack.sh up|down|status|logs [-f] [component]|token (--admin | --subject ID) [--ttl-seconds N]|psql [db] [psql args]"; exit 2 ;;
esac
