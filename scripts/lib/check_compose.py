#!/usr/bin/env python3
"""Checks what the compose file exposes and runs with (run by scripts/test.sh; no engine needed).

    check_compose.py [--dockerfile Dockerfile] [COMPOSE_FILE]    (default: docker-compose.yml)

Reads the file itself, not `docker-compose config`'s output: only the file tells a variable
with a default (`${X:-admin}`) from one that must be given (`${X:?…}`). Variables are read
as an empty environment would give them: defaults taken, required ones marked. Fails, one
line per problem, if:

1. a published port is not bound to 127.0.0.1, or is outside 8080, 8081, 8082 (the public
   ports), 3000 (Grafana), 16686 (Jaeger's UI) and 9092 (Kafka's host listener); a port range
   counts port by port;
2. PostgreSQL (an image named postgres) trusts connections (POSTGRES_HOST_AUTH_METHOD=trust,
   `trust` in POSTGRES_INITDB_ARGS, or no --auth-host/--auth: initdb then writes `trust`
   for TCP) or publishes a port;
3. Grafana allows anonymous access or sign-up, or its admin password is missing (Grafana's
   admin / admin) or anything but a variable without a default (or a __FILE);
4. an image's tag is missing, `latest`, or not an exact version (x.y.z, postgres's x.y, a
   dated Debian tag, or a digest); images built here (a service's `build:`) are not pulled
   and not checked. With --dockerfile, the same for its `ARG *_IMAGE=` defaults;
5. a service other than the secrets job (SECRETS_SERVICE, `secrets`) runs as root (`user:`);
   images that start as root on their own are not visible here;
6. an environment value holds credentials in a URL (`scheme://user:password@…`, e.g. a
   DATABASE_URL), or a *PASSWORD variable is a literal rather than a variable without a
   default (files: *_FILE).

Prints what it checked on success; exits 1 listing every problem, 2 if the file is unreadable.
Values are never printed: a problem names the service and the variable.
"""
import argparse
import re
import sys

import yaml

ALLOWED_PORTS = {8080, 8081, 8082, 3000, 16686, 9092}
LOOPBACK = "127.0.0.1"
SECRETS_SERVICE = "secrets"
REQUIRED = object()  # stands for a ${X:?…} / ${X?…} that an empty environment leaves unset

VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
CREDENTIALS_IN_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@")
EXACT_TAG = re.compile(r"v?\d+\.\d+\.\d+(?:[-+._][A-Za-z0-9.+-]+)?")
POSTGRES_TAG = re.compile(r"\d{2,}\.\d+(?:-[a-z0-9.]+)?")  # PostgreSQL 10 and later: major.minor is a release
DEBIAN_DATED_TAG = re.compile(r"[a-z]+-\d{8}(?:-slim)?")    # debian:bookworm-20260803-slim


def interpolate(value):
    """The value as an empty environment gives it: defaults taken; REQUIRED if a required variable is in it."""
    if not isinstance(value, str):
        return value
    required = False

    def substitute(match):
        nonlocal required
        if match.group(0) == "$$":
            return "$"
        operator, argument = match.group(2), match.group(3)
        if operator in (":?", "?"):
            required = True
            return ""
        if operator in (":-", "-"):
            return argument
        return ""

    result = VARIABLE.sub(substitute, value)
    return REQUIRED if required else result


def required_variable(raw):
    """True if raw is exactly one variable that must be given (${X:?…} or ${X?…})."""
    return isinstance(raw, str) and re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}", raw.strip()) is not None


def environment(service):
    """The service's environment as {name: raw value} (mapping or list form)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = {}
        for item in env:
            name, _, value = str(item).partition("=")
            pairs[name] = value
        return pairs
    return {str(name): ("" if value is None else str(value)) for name, value in env.items()}


def truthy(value):
    return isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on")


def image_parts(image):
    """(repository without registry, tag or None, digest or None) of an image reference."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    repository = name[: len(name) - len(tag) - 1] if tag else name
    parts = repository.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # registry host
    return "/".join(parts), tag, digest or None


def image_problem(image):
    """Why image is not pinned to an exact version, or None."""
    repository, tag, digest = image_parts(image)
    if digest:
        return None
    if not tag:
        return "has no tag (floats with the registry's latest)"
    if tag == "latest":
        return "is tagged latest"
    if EXACT_TAG.fullmatch(tag):
        return None
    if repository.rsplit("/", 1)[-1] == "postgres" and POSTGRES_TAG.fullmatch(tag):
        return None
    if repository.rsplit("/", 1)[-1] == "debian" and DEBIAN_DATED_TAG.fullmatch(tag):
        return None
    return f"tag '{tag}' is not an exact version (x.y.z, postgres x.y, debian <codename>-YYYYMMDD[-slim], or @sha256:…)"


def published_ports(entry):
    """(host ip or None, [published ports], target) of one `ports:` entry; [] = a random host port."""
    if isinstance(entry, dict):  # long syntax
        published = interpolate(str(entry.get("published", "")))
        host_ip = interpolate(str(entry.get("host_ip", ""))) or None
        target = entry.get("target")
    else:
        text = interpolate(str(entry))
        if text is REQUIRED:
            return None, None, str(entry)
        text = text.split("/", 1)[0]
        if text.startswith("["):  # [ipv6]:published:target
            host_ip, _, rest = text[1:].partition("]:")
            published, _, target = rest.rpartition(":")
        else:
            fields = text.split(":")
            host_ip = fields[0] if len(fields) == 3 else None
            published = fields[-2] if len(fields) >= 2 else ""
            target = fields[-1]
    if published is REQUIRED:
        return host_ip, None, target
    ports = []
    if published:
        low, _, high = published.partition("-")
        ports = list(range(int(low), int(high or low) + 1))
    return host_ip, ports, target


def check_services(services):
    problems, checked = [], {"ports": [], "images": [], "built": set()}
    built = {service.get("image") for service in services.values() if service.get("build") and service.get("image")}
    for name, service in services.items():
        where = f"service {name}"
        raw_image = service.get("image")
        image = interpolate(raw_image) if raw_image else None
        repository = image_parts(image)[0].rsplit("/", 1)[-1] if isinstance(image, str) else ""
        env = environment(service)

        # 4. images
        if service.get("build") or (raw_image and raw_image in built):
            checked["built"].add(raw_image or name)
        elif image is REQUIRED:
            problems.append(f"{where}: its image is a variable without a default")
        elif isinstance(image, str):
            why = image_problem(image)
            if why:
                problems.append(f"{where}: image {image} {why}")
            else:
                checked["images"].append(image)

        # 1. ports
        for entry in service.get("ports") or []:
            host_ip, ports, target = published_ports(entry)
            if ports is None:
                problems.append(f"{where}: port {entry!r} is a variable without a default")
                continue
            if not ports:
                problems.append(f"{where}: container port {target} is published on a random host port of every interface")
                continue
            if host_ip != LOOPBACK:
                problems.append(f"{where}: port {entry!r} is bound to {host_ip or 'every interface (0.0.0.0)'}, not {LOOPBACK}")
            outside = sorted(set(ports) - ALLOWED_PORTS)
            if outside:
                problems.append(f"{where}: port {entry!r} publishes {', '.join(map(str, outside[:5]))}"
                                f"{'…' if len(outside) > 5 else ''}, outside {sorted(ALLOWED_PORTS)}")
            checked["ports"].append(f"{host_ip}:{ports[0]}{'-' + str(ports[-1]) if len(ports) > 1 else ''}->{target}")

        # 2. PostgreSQL
        if repository == "postgres":
            method = interpolate(env.get("POSTGRES_HOST_AUTH_METHOD", ""))
            initdb_args = interpolate(env.get("POSTGRES_INITDB_ARGS", ""))
            initdb_args = "" if initdb_args is REQUIRED else initdb_args
            if isinstance(method, str) and method.strip().lower() == "trust":
                problems.append(f"{where}: POSTGRES_HOST_AUTH_METHOD is trust: anyone who reaches it is any user, superuser included")
            if "trust" in initdb_args:
                problems.append(f"{where}: POSTGRES_INITDB_ARGS asks for trust authentication")
            if not re.search(r"--auth(-host)?=(scram-sha-256|cert)\b", initdb_args):
                problems.append(f"{where}: POSTGRES_INITDB_ARGS has no --auth-host=scram-sha-256: initdb writes `trust` for TCP connections")
            if service.get("ports"):
                problems.append(f"{where}: PostgreSQL publishes a port; it belongs on the internal network only")

        # 3. Grafana
        if repository == "grafana" or repository == "grafana-oss" or repository == "grafana-enterprise":
            if truthy(interpolate(env.get("GF_AUTH_ANONYMOUS_ENABLED", "false"))):
                problems.append(f"{where}: GF_AUTH_ANONYMOUS_ENABLED: anonymous visitors get in")
            if truthy(interpolate(env.get("GF_USERS_ALLOW_SIGN_UP", "false"))):
                problems.append(f"{where}: GF_USERS_ALLOW_SIGN_UP: anyone may create an account")
            if "GF_SECURITY_ADMIN_PASSWORD__FILE" not in env:
                raw = env.get("GF_SECURITY_ADMIN_PASSWORD")
                if raw is None:
                    problems.append(f"{where}: no GF_SECURITY_ADMIN_PASSWORD: Grafana's default admin / admin")
                elif not required_variable(raw):
                    problems.append(f"{where}: GF_SECURITY_ADMIN_PASSWORD must be a variable without a default (${{X:?…}})")

        # 5. root
        user = service.get("user")
        if user is not None and name != SECRETS_SERVICE:
            account = str(interpolate(str(user))).split(":", 1)[0].strip()
            if account in ("0", "root"):
                problems.append(f"{where}: runs as root (user: {user}); only the {SECRETS_SERVICE} job may")

        # 6. secrets in the environment
        for variable, raw in env.items():
            value = interpolate(raw)
            if isinstance(value, str) and CREDENTIALS_IN_URL.search(value):
                problems.append(f"{where}: {variable} holds a password in a URL; give the URL in a file ({variable}_FILE)")
            if (variable.upper().endswith("PASSWORD") and raw and not required_variable(raw)
                    and variable != "GF_SECURITY_ADMIN_PASSWORD"):  # Grafana's: above
                problems.append(f"{where}: {variable} has a value in the file (a literal or a default); "
                                f"use {variable}_FILE or a variable without a default")
    return problems, checked


def check_dockerfile(path):
    problems, images = [], []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            match = re.match(r"\s*ARG\s+([A-Z0-9_]*IMAGE)=(\S+)", line)
            if not match:
                continue
            why = image_problem(match.group(2))
            if why:
                problems.append(f"{path}:{number}: ARG {match.group(1)}={match.group(2)} {why}")
            else:
                images.append(match.group(2))
    if not images and not problems:
        problems.append(f"{path}: no ARG …IMAGE= default to check")
    return problems, images


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("compose_file", nargs="?", default="docker-compose.yml")
    parser.add_argument("--dockerfile", help="also check this Dockerfile's ARG *_IMAGE defaults")
    arguments = parser.parse_args()
    try:
        with open(arguments.compose_file, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        services = document["services"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        print(f"check_compose: cannot read the services of {arguments.compose_file}: {error}", file=sys.stderr)
        return 2
    problems, checked = check_services(services)
    base_images = []
    if arguments.dockerfile:
        dockerfile_problems, base_images = check_dockerfile(arguments.dockerfile)
        problems += dockerfile_problems
    if problems:
        print(f"check_compose: {arguments.compose_file}: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"check_compose: {arguments.compose_file}: {len(services)} services; published {', '.join(checked['ports'])}; "
          f"images {', '.join(sorted(set(checked['images'])))}; built here {', '.join(sorted(checked['built']))}"
          + (f"; {arguments.dockerfile} bases {', '.join(base_images)}" if arguments.dockerfile else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
