#!/usr/bin/env bash
# Builds the container image of the Dockerfile with the machine's container engine and
# runs what it ships against a private stack, checking what compose relies on:
#
#   scripts/image-check.sh
#
# - the engine: docker if its daemon answers, else podman (installed with apt and
#   configured when a trial container fails: scripts/lib/container-engine.sh);
# - the bases: the official images the Dockerfile names when they can be pulled (pinned to
#   the digest pulled), otherwise STAND-INS built here and named as such (docs/testing.md),
#   cached between runs while their inputs are unchanged;
# - the image: build time, size (budget IMAGE_BUDGET_MB, 250 MB);
# - its services, each in its own container on the host's network, against a throwaway
#   PostgreSQL and the image's own local-broker on free ports: `migrate` of each database,
#   `/ready` 200, the uid of each container's process is not 0, one write (POST /users)
#   reaches both projections, and each stops within its grace period on SIGTERM.
#
# One line per check, PASS or FAIL with its figures; exits 1 if any check fails, 2 if
# the set-up fails. Nothing is left running; the image and the stand-ins stay (the cache of
# the next run). Logs of a failed run are kept and named at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh
source scripts/lib/private-stack.sh
source scripts/lib/container-engine.sh

image="${IMAGE_CHECK_IMAGE:-localhost/event-driven-users:image-check}"
budget_mb="${IMAGE_BUDGET_MB:-250}"
grace_seconds=10
prefix="image-check-$$"
started=$SECONDS
failures=0
results=()
containers=()
dir=""

say() { echo "image-check: $*"; }
setup_failed() { echo "image-check: SET-UP FAILED: $*" >&2; exit 2; }
# result PASS|FAIL|SKIP WHAT FIGURES: one line per check, printed now and again at the end.
result() {
  local line
  line="$(printf '%-4s  %-38s %s' "$1" "$2" "$3")"
  echo "$line"
  results+=("$line")
  [ "$1" != FAIL ] || failures=$((failures + 1))
}
seconds_since() { awk -v a="$1" -v b="$(date +%s%3N)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
now_ms() { date +%s%3N; }

work="$(mktemp -d /tmp/image-check.XXXXXX)"
cleanup() {
  local status=$? name
  for name in "${containers[@]}"; do $engine rm -f "$name" >/dev/null 2>&1 || true; done
  [ -z "$dir" ] || stop_throwaway_postgres "$dir/postgres"
  if [ $status -eq 0 ]; then
    rm -rf "$work" "$dir"
  else
    [ -z "$dir" ] || { cp "$dir/postgres/postgres.log" "$work/" 2>/dev/null || true; rm -rf "$dir"; }
    echo "image-check: logs kept in $work" >&2
  fi
}
engine=podman # until engine_setup decides; cleanup uses it
trap cleanup EXIT
trap 'exit 2' INT TERM

[ -f Package.resolved ] || setup_failed "no Package.resolved: the Dockerfile builds the committed dependency versions (--force-resolved-versions); run 'swift package resolve' and commit it"
install_prerequisites openssl
engine_setup || setup_failed "no container engine"
base_images_setup || setup_failed "no base images"
printf '%s' "$base_summary" | sed 's/^/image-check: base: /'

# --- The image ------------------------------------------------------------------------
old_image="$($engine image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
pull_never=(--pull=never)
[ "$engine" = podman ] || pull_never=()
say "building $image (a cold build compiles the package in release mode: 16 to 34 min on this 2-core machine); log: $work/build.log"
build_started=$SECONDS
$engine build "${pull_never[@]}" --network host "${build_args[@]}" -t "$image" . >"$work/build.log" 2>&1 || {
  tail -n 30 "$work/build.log" >&2
  setup_failed "the image did not build; log: $work/build.log"
}
build_seconds=$((SECONDS - build_started))
new_image="$($engine image inspect --format '{{.Id}}' "$image")"
# The previous build of this tag is replaced, not kept (its layers stay while shared).
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then $engine rmi "$old_image" >/dev/null 2>&1 || true; fi
size_bytes="$($engine image inspect --format '{{.Size}}' "$image")"
size_mb=$(((size_bytes + 500000) / 1000000))
contents="$($engine run --rm --network host "$image" du -s -B1000000 /app /usr/lib/swift/linux | awk '{ printf "%s%s MB", NR == 1 ? "" : ", ", $1 }')"
contents="/app and /usr/lib/swift/linux: $contents"
result PASS "image build" "$((build_seconds / 60)) min $((build_seconds % 60)) s"
if [ "$size_mb" -le "$budget_mb" ]; then
  result PASS "image size at most $budget_mb MB" "$size_mb MB ($contents)"
else
  result FAIL "image size at most $budget_mb MB" "$size_mb MB ($contents)"
fi

# --- The stack the containers run against -----------------------------------------------
private_stack image-check
start_throwaway_postgres "$dir/postgres" "$LOCAL_POSTGRES_PORT" durable || setup_failed "PostgreSQL did not start"
# The databases and their roles as compose makes them (ops/postgres/create-roles.sh): the
# owner role migrates, the services run as the runtime role; passwords made here.
mkdir -p "$dir/database"
chmod 700 "$dir/database"
for database in users analytics search; do
  for role in "${database}_owner" "${database}_runtime"; do (umask 077 && openssl rand -hex 16 >"$dir/database/$role.password"); done
done
psql_command="$(postgres_bin_dir)/psql -h $dir/postgres -p $LOCAL_POSTGRES_PORT -U postgres"
[ "$(id -u)" -ne 0 ] || psql_command="runuser -u postgres -- $psql_command"
ROLE_PASSWORDS_DIR="$dir/database" PSQL="$psql_command" ops/postgres/create-roles.sh users analytics search >"$work/roles.log" 2>&1 \
  || { cat "$work/roles.log"; setup_failed "create-roles.sh failed"; }
database_url() { # database_url owner|runtime DATABASE
  echo "postgres://$2_$1:$(cat "$dir/database/$2_$1.password")@127.0.0.1:$LOCAL_POSTGRES_PORT/$2"
}
# Event signing: user-service signs with EVENT_SIGNING_KEY, the consumers verify with
# EVENT_VERIFY_KEYS (a comma-separated list); each key is <key-id>:<base64 of 32 bytes>.
event_key="image-check-1:$(openssl rand -base64 32)"

declare -A port=([user-service]="$USER_SERVICE_PORT" [analytics-service]="$ANALYTICS_SERVICE_PORT" [search-service]="$SEARCH_SERVICE_PORT")
declare -A management_port=(
  [user-service]="$USER_SERVICE_MANAGEMENT_PORT" [analytics-service]="$ANALYTICS_SERVICE_MANAGEMENT_PORT" [search-service]="$SEARCH_SERVICE_MANAGEMENT_PORT"
)
declare -A database=([user-service]=users [analytics-service]=analytics [search-service]=search)
# service_environment SERVICE: the -e options of a service's container, as compose gives
# them, with the host's addresses (host network) and the mock cluster's fetch wait.
service_environment() {
  local service="$1"
  local environment=(
    HTTP_HOST=127.0.0.1 "HTTP_PORT=${port[$service]}" MANAGEMENT_HOST=127.0.0.1 "MANAGEMENT_PORT=${management_port[$service]}"
    AUTH_JWKS=/auth/jwks.json
    "DATABASE_URL=$(database_url runtime "${database[$service]}")"
    "KAFKA_BROKERS=$brokers" KAFKA_TOPIC=user-events KAFKA_FETCH_WAIT_MAX_MS=5
    LOG_LEVEL=info LOG_FORMAT=logfmt
  )
  case "$service" in
    user-service)
      environment+=("SEARCH_URL=$search_management" "ANALYTICS_URL=$analytics_management" "EVENT_SIGNING_KEY=$event_key") ;;
    *)
      environment+=(LAG_LOG_INTERVAL_SECONDS=5 "EVENT_VERIFY_KEYS=$event_key") ;;
  esac
  # Tokens: the services verify against the JWKS of the issuer made below (mounted at /auth).
  local variable
  for variable in "${environment[@]}"; do printf -- '-e\n%s\n' "$variable"; done
}

# start_container NAME ENVIRONMENT-OPTIONS… -- COMMAND…: a detached container of the image
# on the host's network.
start_container() {
  local name="$prefix-$1" options=()
  shift
  while [ "$1" != -- ]; do options+=("$1"); shift; done
  shift
  containers+=("$name")
  $engine run -d --name "$name" --network host "${options[@]}" "$image" "$@" >/dev/null
}
container_logs() { $engine logs "$prefix-$1" 2>&1 | tail -n "${2:-15}"; }
container_running() { [ "$($engine inspect --format '{{.State.Running}}' "$prefix-$1" 2>/dev/null)" = true ]; }

# The broker: the image's own local-broker (librdkafka's mock cluster).
start_container local-broker -- /app/local-broker --port "$LOCAL_BROKER_PORT"
if ! wait_until 60 "local-broker on $brokers" bash -c "exec 3<>/dev/tcp/127.0.0.1/$LOCAL_BROKER_PORT"; then
  container_logs local-broker >&2
  setup_failed "the image's local-broker did not listen on $brokers"
fi
say "stack: PostgreSQL on 127.0.0.1:$LOCAL_POSTGRES_PORT (host), local-broker on $brokers (container), services on ports ${port[user-service]}, ${port[analytics-service]}, ${port[search-service]}"

# --- migrate ---------------------------------------------------------------------------
# First as the runtime role, on the fresh databases: refused (it may not create tables).
for service in user-service analytics-service search-service; do
  containers+=("$prefix-migrate-runtime-$service")
  if $engine run --rm --name "$prefix-migrate-runtime-$service" --network host \
    -e "MIGRATION_DATABASE_URL=$(database_url runtime "${database[$service]}")" -e LOG_FORMAT=logfmt \
    "$image" "/app/$service" migrate >"$work/migrate-runtime-$service.log" 2>&1; then
    result FAIL "migrate refused to the runtime role ($service)" "it applied the migrations as ${database[$service]}_runtime"
  else
    tables="$(private_psql -d "${database[$service]}" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
    reason="$(grep -o 'permission denied[^"]*' "$work/migrate-runtime-$service.log" | head -n 1 | cut -c1-80 || true)"
    if [ "$tables" = 0 ]; then
      result PASS "migrate refused to the runtime role ($service)" "${reason:-refused}; 0 tables"
    else
      result FAIL "migrate refused to the runtime role ($service)" "$tables tables exist after the refusal"
    fi
  fi
done
# Then as the owner role, as compose's migrate job does.
for service in user-service analytics-service search-service; do
  t0="$(now_ms)"
  containers+=("$prefix-migrate-$service")
  if $engine run --rm --name "$prefix-migrate-$service" --network host \
    -e "MIGRATION_DATABASE_URL=$(database_url owner "${database[$service]}")" -e LOG_FORMAT=logfmt \
    "$image" "/app/$service" migrate >"$work/migrate-$service.log" 2>&1; then
    applied="$(grep -c 'msg="applying migration"' "$work/migrate-$service.log" || true)"
    tables="$(private_psql -d "${database[$service]}" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
    result PASS "migrate $service (owner role)" "applied $applied migration(s), $tables tables in '${database[$service]}', $(seconds_since "$t0") s"
  else
    result FAIL "migrate $service (owner role)" "exit $?: $(tail -n 1 "$work/migrate-$service.log" | cut -c1-200)"
  fi
done

# --- Tokens: the development issuer, made by the image's own `user-service auth-keys` --------
mkdir -p "$dir/auth"
$engine run --rm --user 0 --network host -v "$dir/auth:/auth" "$image" /app/user-service auth-keys --directory /auth >/dev/null \
  || setup_failed "user-service auth-keys failed in the image"
chmod 644 "$dir/auth/jwks.json"
token="$($engine run --rm --user 0 --network host -v "$dir/auth:/auth:ro" -e AUTH_SIGNING_KEY_FILE=/auth/signing-key.json "$image" \
  /app/user-service token --admin)" || setup_failed "user-service token failed in the image"
auth=(-H "Authorization: Bearer $token")

# --- The services: ready, not root -------------------------------------------------------
services_started="$(now_ms)"
for service in user-service analytics-service search-service; do
  mapfile -t environment < <(service_environment "$service")
  start_container "$service" -v "$dir/auth:/auth:ro" "${environment[@]}" -- "/app/$service"
done
for service in user-service analytics-service search-service; do
  t0="$services_started"
  url="http://127.0.0.1:${port[$service]}/ready"
  status=000
  while :; do
    status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
    [ "$status" != 200 ] && container_running "$service" && [ $(($(now_ms) - t0)) -lt 120000 ] || break
    sleep 0.2
  done
  if [ "$status" = 200 ]; then
    result PASS "/ready $service" "200, $(seconds_since "$t0") s after the containers started"
  else
    result FAIL "/ready $service" "$status after $(seconds_since "$t0") s$(container_running "$service" || echo ', the container exited')"
    container_logs "$service" | sed 's/^/    /'
  fi
done
# The health check compose runs inside each container (the image has no curl).
for service in user-service analytics-service search-service; do
  if probe="$($engine exec "$prefix-$service" "/app/$service" probe 2>&1)"; then
    result PASS "health check in the container ($service)" "/app/$service probe exits 0"
  else
    result FAIL "health check in the container ($service)" "$(tail -n 1 <<<"$probe" | cut -c1-160)"
  fi
done
for service in local-broker user-service analytics-service search-service; do
  pid="$($engine inspect --format '{{.State.Pid}}' "$prefix-$service" 2>/dev/null || echo 0)"
  uid="$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
  if [ "$pid" != 0 ] && [ -n "$uid" ] && [ "$uid" != 0 ]; then
    result PASS "uid of $service is not 0" "uid $uid (pid $pid on the host)"
  else
    result FAIL "uid of $service is not 0" "uid ${uid:-unknown} (pid $pid)"
  fi
done

# --- One write through the containers ------------------------------------------------------
t0="$(now_ms)"
email="image-check-$$-$(date +%s)@example.com"
created="$(curl -sS --max-time 10 "${auth[@]}" -H 'Content-Type: application/json' \
  -d "{\"name\":\"Image Check\",\"email\":\"$email\",\"bio\":\"written through the containers\"}" \
  -w '\n%{http_code}' "$user/users" 2>&1 || true)"
id="$(head -n 1 <<<"$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null || true)"
if [ "$(tail -n 1 <<<"$created")" = 201 ] && [ -n "$id" ]; then
  result PASS "POST /users" "201, user $id"
  # The search API waits at most 5 s per request (waitMs ≤ 5000); a few tries cover 20 s.
  for _ in 1 2 3 4; do
    indexed="$(curl -s --max-time 10 "${auth[@]}" -w '\n%{http_code}' "$search/search/users/$id?minVersion=1&waitMs=5000" || true)"
    [ "$(tail -n 1 <<<"$indexed")" != 200 ] || break
  done
  if [ "$(tail -n 1 <<<"$indexed")" = 200 ] && grep -q "\"$email\"" <<<"$indexed"; then
    result PASS "the write reaches search" "GET /search/users/{id} 200 with the user, $(seconds_since "$t0") s after the POST"
  else
    result FAIL "the write reaches search" "GET /search/users/$id: $(tail -n 1 <<<"$indexed") $(head -n 1 <<<"$indexed" | cut -c1-200)"
  fi
  analytics_status=000
  until [ "$analytics_status" = 200 ] || [ $(($(now_ms) - t0)) -ge 30000 ]; do
    analytics_status="$(curl -s -o "$work/analytics.json" -w '%{http_code}' --max-time 2 "${auth[@]}" "$analytics/analytics/users/$id" || true)"
    [ "$analytics_status" = 200 ] || sleep 0.2
  done
  if [ "$analytics_status" = 200 ]; then
    result PASS "the write reaches analytics" "GET /analytics/users/{id} 200, $(seconds_since "$t0") s after the POST"
  else
    result FAIL "the write reaches analytics" "GET /analytics/users/$id: $analytics_status after 30 s"
  fi
else
  result FAIL "POST /users" "$(tr '\n' ' ' <<<"$created" | cut -c1-300)"
  result FAIL "the write reaches search" "no write"
  result FAIL "the write reaches analytics" "no write"
fi

# --- SIGTERM: each stops within its grace period ---------------------------------------------
for service in search-service analytics-service user-service local-broker; do
  logs_before_stop="$(container_logs "$service" 200)"
  t0="$(now_ms)"
  $engine stop -t "$grace_seconds" "$prefix-$service" >/dev/null 2>&1 || true
  elapsed_ms=$(($(now_ms) - t0))
  code="$($engine inspect --format '{{.State.ExitCode}}' "$prefix-$service" 2>/dev/null || echo '?')"
  container_logs "$service" 400 >"$work/$service.log" || printf '%s\n' "$logs_before_stop" >"$work/$service.log"
  if [ "$elapsed_ms" -lt $((grace_seconds * 1000)) ] && { [ "$code" = 0 ] || [ "$code" = 143 ]; }; then
    result PASS "SIGTERM stops $service" "in $(awk -v ms="$elapsed_ms" 'BEGIN { printf "%.1f", ms / 1000 }') s (grace $grace_seconds s), exit $code"
  else
    result FAIL "SIGTERM stops $service" "after $(awk -v ms="$elapsed_ms" 'BEGIN { printf "%.1f", ms / 1000 }') s (grace $grace_seconds s), exit $code"
    tail -n 10 "$work/$service.log" | sed 's/^/    /'
  fi
done

echo
echo "image-check: $image, $engine, $(printf '%s' "$base_summary" | grep -c '^STAND-IN') stand-in base(s); build $((build_seconds / 60)) min $((build_seconds % 60)) s; $size_mb MB; whole run $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
printf '%s\n' "${results[@]}"
if [ $failures -gt 0 ]; then
  echo "image-check: $failures check(s) FAILED"
  exit 1
fi
echo "image-check: every check passed"
