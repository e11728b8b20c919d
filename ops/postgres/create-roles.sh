#!/bin/sh
# Least privilege in PostgreSQL, the one definition both stacks and the tests use. For each
# database named (arguments, else $DATABASES, else "users analytics search"):
#
#   <database>            owned by <database>_owner; CONNECT for its runtime role only
#   <database>_owner      owns the database and its `public` schema; runs the migrations
#                         (MIGRATION_DATABASE_URL) and `rebuild`; not a superuser
#   <database>_runtime    the service's login (DATABASE_URL): SELECT, INSERT, UPDATE, DELETE on
#                         the owner's tables and their sequences; no DDL, no other database,
#                         not a superuser, cannot create roles or databases
#
# Passwords come from $ROLE_PASSWORDS_DIR/<role>.password (letters, digits, '-' and '_', at
# least 16: the local stack and compose generate them); the roles log in with scram-sha-256.
# Re-running is safe: roles take the files' passwords again, tables made before the roles
# existed (a stack migrated by the superuser) change owner and get the grants.
#
#   ROLE_PASSWORDS_DIR=.local/database PSQL="psql -h $socket_dir -p $port -U postgres" \
#     ops/postgres/create-roles.sh users analytics search
#
# Runs as the superuser: the local stack over its Unix socket, compose from PostgreSQL's
# /docker-entrypoint-initdb.d on first start, the tests over TCP with the test server's password.
set -eu

passwords="${ROLE_PASSWORDS_DIR:?ROLE_PASSWORDS_DIR names the directory of <role>.password files}"
psql_command="${PSQL:-psql --username ${POSTGRES_USER:-postgres}}"
[ $# -gt 0 ] || set -- ${DATABASES:-users analytics search}

fail() { echo "create-roles: $*" >&2; exit 1; }

# password ROLE: the role's password, checked so it can stand in a SQL literal as it is.
password() {
  file="$passwords/$1.password"
  [ -r "$file" ] || fail "no password file $file"
  value="$(tr -d '\n' <"$file")"
  case "$value" in *[!A-Za-z0-9_-]*) fail "$file: a password here is letters, digits, '-' and '_' only" ;; esac
  [ "${#value}" -ge 16 ] || fail "$file: a password here has at least 16 characters"
  printf '%s' "$value"
}

for database in "$@"; do
  case "$database" in *[!a-z0-9_]* | "") fail "database name '$database': lower-case letters, digits and '_' only" ;; esac
  owner="${database}_owner"
  runtime="${database}_runtime"
  owner_password="$(password "$owner")"
  runtime_password="$(password "$runtime")"
  # The SQL goes through standard input, so no password is ever on a command line.
  # shellcheck disable=SC2086 # PSQL is a command with its arguments
  $psql_command -X -q -v ON_ERROR_STOP=1 --dbname postgres <<SQL
SET client_min_messages = warning;
SELECT 'CREATE ROLE $owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner') \gexec
SELECT 'CREATE ROLE $runtime' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$runtime') \gexec
ALTER ROLE $owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$owner_password';
ALTER ROLE $runtime WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$runtime_password';
SELECT 'CREATE DATABASE $database OWNER $owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database') \gexec
ALTER DATABASE $database OWNER TO $owner;
REVOKE ALL ON DATABASE $database FROM PUBLIC;
GRANT CONNECT ON DATABASE $database TO $runtime;
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
\connect $database
SET client_min_messages = warning;
ALTER SCHEMA public OWNER TO $owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO $runtime;
SELECT format('ALTER TABLE public.%I OWNER TO $owner', tablename) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> '$owner' \gexec
SELECT format('ALTER FUNCTION %s OWNER TO $owner', p.oid::regprocedure) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '$owner' \gexec
ALTER DEFAULT PRIVILEGES FOR ROLE $owner GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $runtime;
ALTER DEFAULT PRIVILEGES FOR ROLE $owner GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO $runtime;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $runtime;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO $runtime;
SQL
  echo "create-roles: $database (owner $owner, runtime $runtime)"
done
