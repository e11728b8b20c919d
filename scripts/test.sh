#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL server and librdkafka's
# mock cluster. Installs what is missing, starts a throwaway PostgreSQL in a
# temporary directory and stops it on exit, also on failure. After the Swift
# tests: the durability check (scripts/lib/durability-check.sh) and the
# end-to-end check (scripts/e2e.sh).
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --filter Outbox # arguments go to `swift test`
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

install_prerequisites
install_python_tools

work="$(mktemp -d /tmp/event-driven-users-test.XXXXXX)"
chmod 755 "$work"
cleanup() {
  stop_throwaway_postgres "$work/postgres"
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port="$(free_port)"
# The Swift tests' server keeps the fast settings (synchronous_commit=off): its data are thrown away anyway.
start_throwaway_postgres "$work/postgres" "$port" fast
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "throwaway PostgreSQL on 127.0.0.1:$port (data in $work/postgres)"

python3 -m openapi_spec_validator openapi.yaml
python3 scripts/lib/check_asyncapi.py asyncapi.yaml
swift build --build-tests
# Each suite has a time limit; this bounds the whole run too, so a hang can never stall CI.
timeout --kill-after=30 "${TEST_TIMEOUT_SECONDS:-1800}" swift test --skip-build --no-parallel "$@"
[ $# -eq 0 ] || exit 0 # a filtered run is about the Swift tests only

# The local stack's PostgreSQL settings keep every acknowledged commit across a SIGKILL of the postmaster (~10 s).
scripts/lib/durability-check.sh

# End to end: the local stack on free ports, the curl demo, convergence, `down`, nothing left running.
scripts/e2e.sh
