# Sourced by the scripts: installs what the project needs on Debian/Ubuntu and
# finds PostgreSQL's server binaries.

# Installs the Debian packages that are missing (librdkafka, PostgreSQL, curl).
install_prerequisites() {
  local missing=()
  pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev pkg-config)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  command -v curl >/dev/null || missing+=(curl)
  command -v python3 >/dev/null || missing+=(python3)
  command -v ss >/dev/null || missing+=(iproute2)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
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

# start_throwaway_postgres DIR PORT: initialises and starts a server with its
# data and socket under DIR, listening on 127.0.0.1:PORT, trusting local users.
start_throwaway_postgres() {
  local dir="$1" port="$2" bin
  bin="$(postgres_bin_dir)"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_postgres_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log"; return 1; }
  fi
  as_postgres_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { tail -n 20 "$dir/postgres.log"; return 1; }
}

stop_throwaway_postgres() {
  local dir="$1" bin
  bin="$(postgres_bin_dir)"
  [ -f "$dir/data/postmaster.pid" ] && as_postgres_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
