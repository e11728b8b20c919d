# Sourced by e2e.sh, chaos.sh and bench.sh: the settings of a second local stack
# in a temporary directory, on free ports, so it never collides with a stack you
# are running. They reach local-stack.sh through its environment variables.

# private_stack NAME [EXTRA_PORTS]: sets `dir`, `ports` (5 for the stack, then
# EXTRA_PORTS more for the caller, then one per extra consumer instance, then
# the three management listeners', Prometheus's), the URLs `user`, `analytics`, `search`,
# their management listeners' `user_management`, `analytics_management`,
# `search_management` (/metrics, /consistency/*), `prometheus` and `brokers`,
# `database_dir` (the URL files of the roles, see local-stack.sh), `event_key_file` (the event signing key local-stack.sh creates at `up`: pass it as
# EVENT_SIGNING_KEY_FILE or EVENT_VERIFY_KEYS_FILE to a process started beside the stack),
# and exports the local-stack.sh variables (lag lines every second). With
# CONSUMER_INSTANCES=N (exported by the caller), instances 2…N of each consumer
# get ports too, and the arrays `analytics_urls` and `search_urls` list every
# instance's URL.
private_stack() {
  local name="$1" extra=$((${2:-0})) instances="${CONSUMER_INSTANCES:-1}" port k
  local wanted=$((9 + extra + 2 * (instances - 1)))
  dir="$(mktemp -d "/tmp/event-driven-users-$name.XXXXXX")"
  chmod 755 "$dir" # PostgreSQL runs as `postgres` below it
  ports=()
  while [ ${#ports[@]} -lt $wanted ]; do
    port="$(free_port)"
    [[ " ${ports[*]} " == *" $port "* ]] || ports+=("$port")
  done
  export LOCAL_STACK_DIR="$dir" LOCAL_POSTGRES_PORT="${ports[0]}" LOCAL_BROKER_PORT="${ports[1]}"
  export USER_SERVICE_PORT="${ports[2]}" ANALYTICS_SERVICE_PORT="${ports[3]}" SEARCH_SERVICE_PORT="${ports[4]}"
  export PROMETHEUS_PORT="${ports[wanted - 1]}"
  export USER_SERVICE_MANAGEMENT_PORT="${ports[wanted - 2]}" ANALYTICS_SERVICE_MANAGEMENT_PORT="${ports[wanted - 3]}" SEARCH_SERVICE_MANAGEMENT_PORT="${ports[wanted - 4]}"
  user_management="http://127.0.0.1:$USER_SERVICE_MANAGEMENT_PORT"
  analytics_management="http://127.0.0.1:$ANALYTICS_SERVICE_MANAGEMENT_PORT"
  search_management="http://127.0.0.1:$SEARCH_SERVICE_MANAGEMENT_PORT"
  export LAG_LOG_INTERVAL_SECONDS=1
  # The measuring scripts drive every client with one admin token (BEARER_TOKEN, see
  # export_admin_token): the per-caller rate limit would measure itself, so it is raised.
  export RATE_LIMIT_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000
  user="http://127.0.0.1:$USER_SERVICE_PORT"
  analytics="http://127.0.0.1:$ANALYTICS_SERVICE_PORT"
  search="http://127.0.0.1:$SEARCH_SERVICE_PORT"
  brokers="127.0.0.1:$LOCAL_BROKER_PORT"
  event_key_file="$dir/keys/event-signing.key"
  # The URL files local-stack.sh writes at `up`: <db>.url (runtime role), <db>-migration.url (owner).
  database_dir="$dir/database"
  prometheus="http://127.0.0.1:$PROMETHEUS_PORT"
  analytics_urls=("$analytics")
  search_urls=("$search")
  local analytics_extra=() search_extra=()
  for ((k = 2; k <= instances; k++)); do
    analytics_extra+=("${ports[5 + extra + 2 * (k - 2)]}")
    search_extra+=("${ports[6 + extra + 2 * (k - 2)]}")
    analytics_urls+=("http://127.0.0.1:${analytics_extra[-1]}")
    search_urls+=("http://127.0.0.1:${search_extra[-1]}")
  done
  export ANALYTICS_SERVICE_EXTRA_PORTS="${analytics_extra[*]}" SEARCH_SERVICE_EXTRA_PORTS="${search_extra[*]}"
}

# export_admin_token: BEARER_TOKEN, an admin token from the private stack's issuer (after `up`),
# for the load generator, chaos_load.py and the checkers.
export_admin_token() {
  BEARER_TOKEN="$(scripts/local-stack.sh token --admin --ttl-seconds 86400)"
  export BEARER_TOKEN
}

# private_psql ARGS…: psql as the superuser on the private stack's PostgreSQL (its Unix
# socket), unaligned, tuples only.
private_psql() {
  socket_psql "$LOCAL_STACK_DIR/postgres" "$LOCAL_POSTGRES_PORT" -tA "$@"
}

# outbox_drained: true once user-service's outbox has no unpublished row.
outbox_drained() { [ "$(private_psql -d users -c "SELECT count(*) FROM outbox WHERE published_at IS NULL")" = 0 ]; }

# wait_until SECONDS WHAT COMMAND…: runs COMMAND every 0.05 s until it succeeds; after
# SECONDS says what it was waiting for, on stderr, and returns 1.
wait_until() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "timed out after $seconds s waiting for $what" >&2
      return 1
    fi
    sleep 0.05
  done
}

# load_stack NAME: what the measuring scripts driving a private stack with the load
# generator share: `private_stack NAME`, the build (`configuration`, `bin`;
# BUILD_CONFIGURATION exported, default debug), `say` and `fail` prefixed with NAME (fail
# exits 2: a set-up failure), `now_ms`, and on exit: the load generator (`load_pid`)
# stopped, the stack down, its directory removed.
load_stack() {
  load_stack_name="$1"
  configuration="${BUILD_CONFIGURATION:-debug}"
  export BUILD_CONFIGURATION="$configuration"
  bin="$PWD/.build/$configuration"
  say() { echo "$load_stack_name: $*"; }
  fail() { echo "$load_stack_name: FAILED: $*" >&2; exit 2; }
  now_ms() { date +%s%3N; }
  private_stack "$1"
  export LOCAL_STACK_EXTRA_PRODUCTS=load-generator
  load_stack_cleanup() {
    [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null || true
    scripts/local-stack.sh down >/dev/null 2>&1 || true
    rm -rf "$dir"
  }
  trap load_stack_cleanup EXIT
}
