#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL server and librdkafka's
# mock cluster, after the checks of openapi.yaml and of the operations files
# (alert rules and their tests, dashboard queries, compose). Installs what is
# missing, starts a throwaway PostgreSQL in a temporary directory and stops it
# on exit, also on failure. After the Swift tests: the durability check
# (scripts/lib/durability-check.sh), the end-to-end check (scripts/e2e.sh) and the image
# check (scripts/image-check.sh).
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --filter Outbox # arguments go to `swift test`
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

install_prerequisites docker-compose
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
# The tests create databases and roles over TCP, where even the superuser needs its password.
superuser_password="$(set_superuser_password "$work/postgres" "$port")"
export TEST_DATABASE_URL="postgres://postgres:$superuser_password@127.0.0.1:$port/postgres"
echo "throwaway PostgreSQL on 127.0.0.1:$port (data in $work/postgres)"

python3 -m openapi_spec_validator openapi.yaml
python3 scripts/lib/check_asyncapi.py asyncapi.yaml
# Operations (a few seconds): the alert rules, their unit tests with synthetic series,
# every query of the Grafana dashboard and of the rules parses (a renamed metric in a
# query fails here once the check gets /metrics dumps, see docs/operations.md), and
# the compose file with its Prometheus configuration.
promtool check rules ops/prometheus/alerts.yml
promtool test rules ops/prometheus/alerts.test.yml
python3 scripts/lib/check_metric_queries.py --datasources ops/grafana/provisioning/datasources/prometheus.yml \
  ops/grafana/dashboards/*.json ops/prometheus/alerts.yml
promtool check config ops/prometheus/prometheus.yml
GRAFANA_ADMIN_PASSWORD=config-check docker-compose config -q
python3 scripts/lib/check_compose.py --dockerfile Dockerfile docker-compose.yml
swift build --build-tests
# Each suite has a time limit; this bounds the whole run too, so a hang can never stall CI.
timeout --kill-after=30 "${TEST_TIMEOUT_SECONDS:-1800}" swift test --skip-build --no-parallel "$@"
[ $# -eq 0 ] || exit 0 # a filtered run is about the Swift tests only

# The local stack's PostgreSQL settings keep every acknowledged commit across a SIGKILL of the postmaster (~10 s).
scripts/lib/durability-check.sh

# End to end: the local stack on free ports, the curl demo, schemathesis, least privilege,
# convergence, `down`, nothing left running.
scripts/e2e.sh

# The container image: built (podman here; stand-in bases where the official ones cannot be
# pulled, cached between runs), run against a private PostgreSQL and its own broker with the
# roles, keys and tokens compose gives it (docs/testing.md, "The image check").
scripts/image-check.sh
