#!/usr/bin/env bash
# Does every acknowledged commit survive a crash of PostgreSQL? Starts a server
# with the local stack's settings in a temporary directory, inserts from several
# clients (each records the inserts whose COMMIT was acknowledged), SIGKILLs the
# postmaster in the middle of the load, restarts the server on the same data and
# checks that every acknowledged row is there. Part of scripts/test.sh (~10 s).
#
#   scripts/lib/durability-check.sh          # the local stack's settings (profile durable)
#   scripts/lib/durability-check.sh fast     # the Swift tests' settings (synchronous_commit=off): expected to lose rows
#
# Environment: DURABILITY_CLIENTS (8), DURABILITY_CRASH_AFTER_SECONDS (3).
# Prints "acknowledged N, present N, lost 0"; exits 1 if any acknowledged row is lost.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/prerequisites.sh

profile="${1:-durable}"
clients="${DURABILITY_CLIENTS:-8}"
crash_after="${DURABILITY_CRASH_AFTER_SECONDS:-3}"
postgres_settings "$profile" >/dev/null || exit 2

say() { printf 'durability: %s\n' "$*"; }
fail() { printf 'durability: FAILED: %s\n' "$*" >&2; exit 1; }

install_prerequisites
work="$(mktemp -d /tmp/event-driven-users-durability.XXXXXX)"
chmod 755 "$work" # PostgreSQL runs as `postgres` below it
load_pid=""
# Stops the load and the server (whatever state they are in) and removes the directory.
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  stop_throwaway_postgres "$work/postgres"
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

started=$SECONDS
port="$(free_port)"
psql_bin="$(postgres_bin_dir)/psql"
start_throwaway_postgres "$work/postgres" "$port" "$profile" || fail "PostgreSQL did not start"
# The load's psql clients connect over TCP as the superuser: with its password (scram-sha-256).
PGPASSWORD="$(set_superuser_password "$work/postgres" "$port")" || fail "could not set the superuser's password"
export PGPASSWORD
sql() { "$psql_bin" -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$1"; }
sql "CREATE TABLE durability_probe (client int NOT NULL, n int NOT NULL, PRIMARY KEY (client, n))"
say "PostgreSQL on 127.0.0.1:$port, profile $profile ($(postgres_settings "$profile" | sed 's/-c //g')); $clients clients inserting; SIGKILL of the postmaster after ${crash_after} s"

# The load runs until its connections are lost; 30 s is only a backstop.
python3 scripts/lib/durability_load.py "$psql_bin" "$port" "$clients" 30 "$work/acked" >"$work/load.log" 2>&1 &
load_pid=$!
sleep "$crash_after"
kill -0 "$load_pid" 2>/dev/null || { cat "$work/load.log" >&2; fail "the load ended before the crash"; }
say "$(crash_throwaway_postgres "$work/postgres")"
timeout 20 tail --pid="$load_pid" -f /dev/null || fail "the load did not stop within 20 s of the crash"
wait "$load_pid" || { cat "$work/load.log" >&2; fail "the load failed"; }
load_pid=""
say "$(cat "$work/load.log")"

start_throwaway_postgres "$work/postgres" "$port" "$profile" || fail "PostgreSQL did not restart after the crash; log: $work/postgres/postgres.log"
say "restarted: $(grep -E 'redo (done|starts)|database system was not properly shut down' "$work/postgres/postgres.log" | tail -n 1 | sed 's/^.*LOG: *//')"
sql "SELECT client || ' ' || n FROM durability_probe" | sort >"$work/present"
sort "$work/acked" >"$work/acked.sorted"
acknowledged="$(wc -l <"$work/acked.sorted")"
present="$(comm -12 "$work/acked.sorted" "$work/present" | wc -l)"
lost="$(comm -23 "$work/acked.sorted" "$work/present" | wc -l)"
in_flight="$(comm -13 "$work/acked.sorted" "$work/present" | wc -l)"
[ "$acknowledged" -gt 0 ] || fail "no insert was acknowledged before the crash"
say "acknowledged $acknowledged, present $present, lost $lost ($in_flight more rows committed whose acknowledgement the crash cut off) in $((SECONDS - started)) s"
if [ "$lost" -gt 0 ]; then
  say "lost (client n), first ones: $(comm -23 "$work/acked.sorted" "$work/present" | sort -n -k1,1 -k2,2 | head -n 5 | paste -sd ',' | sed 's/,/, /g')"
  fail "$lost acknowledged inserts are missing after the crash (profile $profile)"
fi
say "OK: every acknowledged insert survived the crash"
