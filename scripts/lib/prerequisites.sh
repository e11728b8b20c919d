# Sourced by the scripts: installs what the project needs on Debian/Ubuntu and
# finds PostgreSQL's server binaries.

# install_prerequisites [COMMAND...]: installs the Debian packages that are missing
# (librdkafka, PostgreSQL, curl, python3, iproute2, Prometheus with promtool), and the
# packages named like each extra COMMAND that is not on the PATH (chaos.sh asks for kcat).
# Prometheus and docker-compose come without their recommended packages: those are
# prometheus-node-exporter (another daemon) and docker.io (a Docker engine).
install_prerequisites() {
  local missing=() command package
  for command in "$@"; do command -v "$command" >/dev/null || missing+=("$command"); done
  pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev pkg-config)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  command -v curl >/dev/null || missing+=(curl)
  command -v python3 >/dev/null || missing+=(python3)
  command -v ss >/dev/null || missing+=(iproute2)
  command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  echo "installing: ${missing[*]}"
  local sudo="" usual=() lean=()
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  for package in "${missing[@]}"; do
    case "$package" in
      prometheus|docker-compose) lean+=("$package") ;;
      *) usual+=("$package") ;;
    esac
  done
  $sudo apt-get update -qq
  [ ${#usual[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${usual[@]}" >/dev/null
  [ ${#lean[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
  [[ " ${lean[*]} " != *" prometheus "* ]] || stop_system_prometheus
}

# stop_system_prometheus: Debian's package enables and starts a system Prometheus on
# port 9090 where the init system lets it (not in a container whose policy-rc.d
# forbids it). The scripts only want its binaries, so right after installing it that
# service is stopped and disabled: it would hold the port the local stack's Prometheus uses.
stop_system_prometheus() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -d /run/systemd/system ] && systemctl is-enabled --quiet prometheus 2>/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 && echo "stopped and disabled the system service 'prometheus' that installing the package started"
  elif [ -x /etc/init.d/prometheus ] && service prometheus status >/dev/null 2>&1; then
    $sudo service prometheus stop >/dev/null 2>&1 && echo "stopped the system service 'prometheus' that installing the package started"
    $sudo update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
  return 0
}

# install_python_tools: the PyPI checkers the tests run, if missing: the OpenAPI validators,
# jsonschema with its format checkers (the AsyncAPI document against the official AsyncAPI
# 3.0.0 JSON Schema kept in scripts/lib/asyncapi-3.0.0, events against schemas/) and the
# CloudEvents SDK (its Kafka decoder reads every event the relay produces in the tests).
install_python_tools() {
  local packages=(openapi-spec-validator openapi-schema-validator PyYAML 'jsonschema[format-nongpl]' 'cloudevents>=2.2')
  python3 -c 'import openapi_spec_validator, openapi_schema_validator, yaml, jsonschema, cloudevents.core.bindings.kafka, rfc3339_validator, rfc3986_validator' 2>/dev/null && return 0
  echo "installing: ${packages[*]} (PyPI)"
  python3 -m pip --version >/dev/null 2>&1 || install_prerequisites pip3 python3-pip
  python3 -m pip install --quiet "${packages[@]}" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "${packages[@]}"
}

# install_schemathesis: Schemathesis (PyPI) in a venv of its own under .local/tools, where its
# dependencies cannot clash with the checkers above; sets $schemathesis to its `st`.
install_schemathesis() {
  local venv="$PWD/.local/tools/schemathesis"
  schemathesis="$venv/bin/st"
  [ -x "$schemathesis" ] && "$schemathesis" --version >/dev/null 2>&1 && return 0
  echo "installing: schemathesis (PyPI) in $venv"
  python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || install_prerequisites python3-venv
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis>=4,<5'
}

# Prints the newest PostgreSQL bin directory.
postgres_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Prints a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the PostgreSQL owner: `postgres` when we are root (the
# server refuses to run as root), ourselves otherwise.
as_postgres_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The settings of a throwaway server, by profile:
# - durable (the local stack, chaos.sh, e2e.sh, bench.sh): synchronous_commit=on and
#   full_page_writes=on, so a crash of PostgreSQL's processes (SIGKILL, OOM killer)
#   loses no acknowledged commit: the WAL reaches the OS before COMMIT returns.
#   fsync=off stays, for speed: an OS crash or power loss can lose recent commits or
#   corrupt the cluster — fine for a development machine, never for production.
# - fast (the Swift tests' server, scripts/test.sh): synchronous_commit=off and
#   full_page_writes=off as well; a crash may lose the last acknowledged commits.
postgres_settings() {
  case "$1" in
    durable) echo "-c fsync=off -c synchronous_commit=on -c full_page_writes=on" ;;
    fast) echo "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" ;;
    *) echo "unknown PostgreSQL profile '$1' (durable|fast)" >&2; return 1 ;;
  esac
}

# start_throwaway_postgres DIR PORT [durable|fast]: initialises (once) and starts a
# server with its data and socket under DIR (mode 700), listening on 127.0.0.1:PORT, with
# the settings of the profile (default durable, see above). Authentication (pg_hba.conf,
# written at every start, so a data directory from an older version gets it too): over TCP
# scram-sha-256 for everyone, never trust; the superuser `postgres`, which has no password
# unless set_superuser_password gives it one, therefore only over the Unix socket in DIR,
# which only DIR's owner (and root) can reach.
start_throwaway_postgres() {
  local dir="$1" port="$2" settings bin
  settings="$(postgres_settings "${3:-durable}")" || return 1
  bin="$(postgres_bin_dir)"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_postgres_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
  fi
  as_postgres_owner sh -c "cat >'$dir/data/pg_hba.conf'" <<'HBA'
# Written by scripts/lib/prerequisites.sh (start_throwaway_postgres) at every start.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
host    all       all   ::1/128        scram-sha-256
HBA
  as_postgres_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c password_encryption=scram-sha-256 $settings" \
    start >/dev/null || { tail -n 20 "$dir/postgres.log"; return 1; }
}

# socket_psql DIR PORT ARGS…: psql as the superuser over the Unix socket of the server under DIR.
socket_psql() {
  local dir="$1" port="$2"; shift 2
  as_postgres_owner "$(postgres_bin_dir)/psql" -X -h "$dir" -p "$port" -U postgres "$@"
}

# set_superuser_password DIR PORT: gives `postgres` a new random password (over the socket)
# and prints it, for a server whose clients must reach it as the superuser over TCP (the
# Swift tests create databases and roles; the durability check's load).
set_superuser_password() {
  local password
  password="$(head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
  socket_psql "$1" "$2" -q -v ON_ERROR_STOP=1 -d postgres <<<"ALTER ROLE postgres PASSWORD '$password';" >/dev/null || return 1
  printf '%s' "$password"
}

# crash_throwaway_postgres DIR: crashes the server as a crash would: SIGKILL of the
# postmaster (no shutdown checkpoint, nothing flushed), then waits up to 10 s for
# its orphaned children to notice and exit — a restart is refused while any of
# them holds the shared memory — and SIGKILLs those still there. Prints the
# postmaster's pid and the children's fate.
crash_throwaway_postgres() {
  local dir="$1" postmaster children pid left=()
  postmaster="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)" || { echo "no postmaster.pid under $dir" >&2; return 1; }
  [ -n "$postmaster" ] && kill -0 "$postmaster" 2>/dev/null || { echo "the postmaster ($postmaster) is not running" >&2; return 1; }
  children="$(pgrep -P "$postmaster" | tr '\n' ' ' || true)"
  kill -KILL "$postmaster"
  local deadline=$((SECONDS + 10))
  while :; do
    left=()
    for pid in $children; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
    [ ${#left[@]} -gt 0 ] && [ $SECONDS -lt $deadline ] || break
    sleep 0.1
  done
  if [ ${#left[@]} -gt 0 ]; then
    kill -KILL "${left[@]}" 2>/dev/null || true
    echo "postmaster $postmaster killed; ${#left[@]} of its children still ran after 10 s and were killed too"
  else
    echo "postmaster $postmaster killed; its $(wc -w <<<"$children") children exited by themselves"
  fi
  # The kernel releases a killed process's memory a moment after it is gone from the process table.
  for pid in $children $postmaster; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $((deadline + 5)) ]; do sleep 0.1; done
  done
}

# stop_throwaway_postgres DIR: a fast shutdown of the server under DIR, if it runs.
stop_throwaway_postgres() {
  local dir="$1" bin
  bin="$(postgres_bin_dir)"
  [ -f "$dir/data/postmaster.pid" ] && as_postgres_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
