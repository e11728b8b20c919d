#!/usr/bin/env bash
# A curl walkthrough of the system, against the local stack or docker compose:
#
#   scripts/demo.sh                                   # http://127.0.0.1:8080, :8081, :8082
#   scripts/demo.sh USER_URL ANALYTICS_URL SEARCH_URL # elsewhere
#
# MANAGEMENT_URLS="USER ANALYTICS SEARCH" names the management listeners (/metrics,
# /consistency/*; default http://127.0.0.1:9180, :9181, :9182). They listen on loopback
# (in compose: the internal network only), so steps 9 and 10 show them only where they
# can be reached.
#
# Every call carries a bearer token: DEMO_TOKEN if set (an admin token: under compose,
# `docker compose exec user-service /app/user-service token --admin`), else one from
# `scripts/local-stack.sh token --admin`. Step 1 also shows a request without one (401) and
# one with another user's token (403).
#
# Each step prints the request and the answer. Any unexpected status stops
# the demo with a non-zero exit. Run it as often as you like: every run
# creates its own users. At the end it prints the ids it used (for checks).
set -euo pipefail

user_url="${1:-http://127.0.0.1:8080}"
analytics_url="${2:-http://127.0.0.1:8081}"
search_url="${3:-http://127.0.0.1:8082}"
read -r user_management analytics_management search_management <<<"${MANAGEMENT_URLS:-http://127.0.0.1:9180 http://127.0.0.1:9181 http://127.0.0.1:9182}"
run="$(date +%s)-$$"
body_file="$(mktemp)"
headers_file="$(mktemp)"
trap 'rm -f "$body_file" "$headers_file"' EXIT

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }

# call EXPECTED METHOD URL [curl arguments…]: prints the exchange; fails on another status.
call() {
  local expected="$1" method="$2" url="$3"; shift 3
  # The caller's token unless the call names its own Authorization (shown shortened).
  if [[ " $* " != *"Authorization:"* ]]; then set -- -H "Authorization: Bearer $token" "$@"; fi
  printf '→ %s %s' "$method" "$url"
  local arg previous=""
  for arg in "$@"; do
    case "$previous" in
      -H) if [[ "$arg" == Authorization:* ]]; then printf '\n  %s…' "${arg:0:40}"; else printf '\n  %s' "$arg"; fi ;;
      -d) printf '\n  %s' "$arg" ;;
    esac
    previous="$arg"
  done
  printf '\n'
  status="$(curl -sS -o "$body_file" -D "$headers_file" -w '%{http_code}' -X "$method" "$url" "$@")"
  printf '← %s' "$status"
  grep -iE '^(etag|location|idempotent-replayed|x-index-stale|x-request-id):' "$headers_file" | tr -d '\r' | sed 's/^/  /' | tr '\n' ' ' || true
  printf '\n'
  if [ -s "$body_file" ]; then
    python3 -m json.tool <"$body_file" 2>/dev/null | sed 's/^/  /' || sed 's/^/  /' "$body_file"
  fi
  if [ "$status" != "$expected" ]; then
    printf '\ndemo: expected %s from %s %s, got %s\n' "$expected" "$method" "$url" "$status" >&2
    exit 1
  fi
}

field() { python3 -c "import json,sys; print(json.load(open('$body_file'))$1)"; }

json=(-H 'Content-Type: application/json')

token="${DEMO_TOKEN:-}"
if [ -z "$token" ]; then
  token="$("$(dirname "$0")/local-stack.sh" token --admin 2>/dev/null)" \
    || { echo "demo: no token: set DEMO_TOKEN (under compose: docker compose exec user-service /app/user-service token --admin)" >&2; exit 1; }
fi

bold "0. Are the services up?"
for url in "$user_url" "$analytics_url" "$search_url"; do
  if ! curl -fsS "$url/ready" >/dev/null 2>&1; then
    echo "demo: $url/ready does not answer 200. Start the stack first: scripts/local-stack.sh up (or docker compose up --build)." >&2
    exit 1
  fi
  echo "$url is ready"
done

bold "1. Create two users as an admin (201, ETag \"1\"; the event goes to Kafka through the outbox); no token is 401, another user's is 403"
call 201 POST "$user_url/users" "${json[@]}" -d "{\"name\":\"Ada Lovelace\",\"email\":\"ada-$run@example.com\",\"bio\":\"Mathematician\"}"
ada="$(field "['id']")"
call 201 POST "$user_url/users" "${json[@]}" -d "{\"name\":\"Grace Hopper\",\"email\":\"grace-$run@example.com\",\"bio\":\"Compilers\"}"
grace="$(field "['id']")"
# Without a token: 401. With Grace's own token (sub = her id), Ada's profile is not hers: 403.
call 401 GET "$user_url/users/$ada" -H "Authorization: none"
if grace_token="$("$(dirname "$0")/local-stack.sh" token --subject "$grace" 2>/dev/null)"; then
  call 403 GET "$user_url/users/$ada" -H "Authorization: Bearer $grace_token"
  call 200 GET "$user_url/users/$grace" -H "Authorization: Bearer $grace_token"
fi

bold "2. Read your write (always from the primary)"
call 200 GET "$user_url/users/$ada"

bold "3. A conditional update: PATCH with If-Match \"1\" (JSON merge patch) → version 2"
call 200 PATCH "$user_url/users/$ada" -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "1"' -d '{"bio":"Wrote the first program"}'

bold "4. A lost update is refused: PUT with the stale If-Match \"1\" → 412 with the current version; without If-Match → 428"
call 412 PUT "$user_url/users/$ada" "${json[@]}" -H 'If-Match: "1"' -d "{\"name\":\"Ada King\",\"email\":\"ada-$run@example.com\",\"bio\":\"\"}"
# And a write that names no version at all is refused before anything is read: 428.
call 428 PUT "$user_url/users/$ada" "${json[@]}" -d "{\"name\":\"Ada King\",\"email\":\"ada-$run@example.com\",\"bio\":\"\"}"

bold "5. An idempotent retry: the same Idempotency-Key and body twice → one user, the second answer replayed"
key="demo-$run"
call 201 POST "$user_url/users" "${json[@]}" -H "Idempotency-Key: $key" -d "{\"name\":\"Alan Turing\",\"email\":\"alan-$run@example.com\"}"
alan="$(field "['id']")"
call 201 POST "$user_url/users" "${json[@]}" -H "Idempotency-Key: $key" -d "{\"name\":\"Alan Turing\",\"email\":\"alan-$run@example.com\"}"
[ "$(field "['id']")" = "$alan" ] || { echo "demo: the replay returned another user" >&2; exit 1; }
grep -qi '^idempotent-replayed: true' "$headers_file" || { echo "demo: no Idempotent-Replayed header on the replay" >&2; exit 1; }

bold "6. Cross-service read-your-writes: wait (up to 5 s) until search has version 2 of Ada"
call 200 GET "$search_url/search/users/$ada?minVersion=2&waitMs=5000"
if grep -qi '^x-index-stale: true' "$headers_file"; then echo "demo: search did not reach version 2 within 5 s" >&2; exit 1; fi
call 200 GET "$search_url/search?q=lovelace%20program"

bold "7. Delete Grace (204); search keeps a tombstone, so a late event cannot bring her back"
call 204 DELETE "$user_url/users/$grace" -H 'If-Match: "1"'
call 404 GET "$search_url/search/users/$grace?minVersion=2&waitMs=5000"

bold "8. Analytics: per user, then the summary (eventually consistent: wait until Grace's delete is counted)"
for _ in $(seq 1 50); do
  if curl -fsS -H "Authorization: Bearer $token" "$analytics_url/analytics/users/$grace" 2>/dev/null | grep -q '"deleted":true'; then break; fi
  sleep 0.2
done
call 200 GET "$analytics_url/analytics/users/$grace"
[ "$(field "['deleted']")" = "True" ] || { echo "demo: analytics did not apply the delete within 10 s" >&2; exit 1; }
call 200 GET "$analytics_url/analytics/summary"

bold "9. Consumer lag (the same figures as the lag lines, from /metrics on the management listener; written every LAG_LOG_INTERVAL_SECONDS)"
for url in "$analytics_management" "$search_management"; do
  if ! curl -fsS --max-time 2 "$url/health" >/dev/null 2>&1; then
    echo "  $url is not reachable from here (under compose the management listeners and Prometheus stay on the internal network: see the lag in Grafana, http://localhost:3000)"
    continue
  fi
  for _ in $(seq 1 75); do
    metrics="$(curl -fsS "$url/metrics")"
    if grep -qE '^consumer_lag 0' <<<"$metrics" && grep -qE '^consumer_status\{status="OK"\} 1' <<<"$metrics"; then break; fi
    sleep 0.2
  done
  echo "$url/metrics:"
  # consumer_status is a state set: the line at 1 names the status.
  curl -fsS "$url/metrics" | grep -E '^consumer_lag |^consumer_events_total\{outcome="(applied|duplicate)"\} |^consumer_status\{.*\} 1' | sed 's/^/  /'
done
local_logs="${LOCAL_STACK_DIR:-$(dirname "$0")/../.local}/logs"
if [ -d "$local_logs" ]; then
  echo "last lag lines (local stack):"
  for service in analytics-service search-service; do
    grep -h 'msg="consumer lag"' "$local_logs/$service.log" 2>/dev/null | tail -n 1 | sed 's/^/  /' || true
  done
fi

bold "10. Is it consistent? user-service reconcile compares the source with both projections (0 divergent expected)"
state="${LOCAL_STACK_DIR:-$(dirname "$0")/../.local}"
binary="$(dirname "$0")/../.build/${BUILD_CONFIGURATION:-debug}/user-service"
if [ -x "$binary" ] && [ -f "$state/database/users.url" ]; then
  echo "→ user-service reconcile"
  DATABASE_URL_FILE="$state/database/users.url" SEARCH_URL="$search_management" \
    ANALYTICS_URL="$analytics_management" LOG_LEVEL=warning "$binary" reconcile | sed 's/^/  /'
else
  echo "  (under docker compose: docker compose exec user-service /app/user-service reconcile)"
fi

bold "Done."
echo "users: ada=$ada grace=$grace (deleted) alan=$alan"
