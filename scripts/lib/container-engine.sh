# shellcheck shell=bash
# Sourced by scripts/image-check.sh: a container engine, and the base images the
# Dockerfile names — the official ones when a registry gives them, otherwise
# stand-ins built on this machine and named as such (never as the official images).
#
#   engine_setup        sets `engine` (docker or podman); installs and configures podman if needed
#   base_images_setup   sets `build_args` (the --build-arg/-v options of the image build) and
#                       `base_summary` (one line per base image: official and pinned, or stand-in)
#
# Both print what they did, prefixed with "image-check:". Everything they change on the
# machine (packages, /etc/containers/*.conf) is said in that output.

engine_say() { echo "image-check: $*"; }
engine_sudo() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The registry names, as pulled (podman wants them fully qualified), of the Dockerfile's bases.
dockerfile_arg() { sed -n "s/^ARG $1=\(.*\)$/\1/p" Dockerfile | head -n 1; }
qualified() { case "$1" in */*) echo "$1" ;; *) echo "docker.io/library/$1" ;; esac; }

# Names of the stand-ins: under localhost/, with "standin" in the name, so no listing can
# mistake them for the official images.
standin_debian="localhost/standin/debian:bookworm-slim"
standin_swift="localhost/standin/swift:6.3-bookworm"
standin_label="org.event-driven-users.standin"

engine_setup() {
  if command -v docker >/dev/null && timeout 30 docker info >/dev/null 2>&1; then
    engine=docker
    engine_say "engine: docker ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return 0
  fi
  command -v docker >/dev/null && engine_say "docker is installed but its daemon does not answer (docker info); using podman"
  local wanted=() package
  for package in podman runc fuse-overlayfs uidmap debootstrap; do
    dpkg -s "$package" >/dev/null 2>&1 || wanted+=("$package")
  done
  if [ ${#wanted[@]} -gt 0 ]; then
    engine_say "installing with apt: ${wanted[*]}"
    engine_sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive engine_sudo apt-get install -y -qq "${wanted[@]}" >/dev/null
  fi
  engine=podman
  engine_say "engine: podman $(podman version --format '{{.Client.Version}}' 2>/dev/null)"
  podman_configure
}

# podman_trial: runs a container from a tiny image made of this machine's own /usr/bin/true
# and the libraries it loads (no registry, no network): exercises the runtime, cgroups,
# rlimits and the storage driver as the real runs will. Prints the error when it fails.
podman_trial() {
  local root lib output status=0
  root="$(mktemp -d /tmp/image-check-trial.XXXXXX)"
  mkdir -p "$root/bin"
  cp /usr/bin/true "$root/bin/true"
  for lib in $(ldd /usr/bin/true | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  output="$( { tar -C "$root" -c . | podman import -q - localhost/image-check-trial:latest >/dev/null &&
    timeout 60 podman run --rm localhost/image-check-trial:latest /bin/true; } 2>&1)" || status=$?
  podman rmi -f localhost/image-check-trial:latest >/dev/null 2>&1 || true
  rm -rf "$root"
  [ $status -eq 0 ] || { printf '%s\n' "$output" | tail -n 3; return 1; }
}

# podman_configure: what this machine needed (issue 26): crun refuses its hybrid cgroups
# (runc is used), the default ulimits exceed the hard limit, containers share the host's
# network. Nothing is written when a trial container runs as things are; otherwise
# containers.conf is written if absent, and if that is not enough storage.conf (overlay
# through fuse-overlayfs) if absent. An existing file of someone else's is never replaced.
podman_configure() {
  local error
  if error="$(podman_trial)"; then
    engine_say "podman: a trial container runs with this machine's configuration; nothing written to /etc/containers"
    return 0
  fi
  engine_say "podman: a trial container fails: $(echo "$error" | tail -n 1)"
  if [ ! -f /etc/containers/containers.conf ]; then
    engine_sudo mkdir -p /etc/containers
    engine_sudo tee /etc/containers/containers.conf >/dev/null <<'EOF'
# Written by scripts/image-check.sh (event-driven-users) because a trial container failed.
# runc, not crun: crun refuses this machine's hybrid cgroups. No default ulimits: podman's
# exceed the hard limit here. Containers use the host's network.
[containers]
default_ulimits = []
netns = "host"

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
    engine_say "podman: wrote /etc/containers/containers.conf (runc, cgroupfs, no default ulimits, host network)"
    if error="$(podman_trial)"; then
      engine_say "podman: the trial container runs now"
      return 0
    fi
    engine_say "podman: the trial container still fails: $(echo "$error" | tail -n 1)"
  fi
  if [ ! -f /etc/containers/storage.conf ]; then
    engine_sudo tee /etc/containers/storage.conf >/dev/null <<'EOF'
# Written by scripts/image-check.sh (event-driven-users) because a trial container failed
# with the kernel's overlay: overlay through fuse-overlayfs.
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"

[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
EOF
    engine_say "podman: wrote /etc/containers/storage.conf (overlay through fuse-overlayfs)"
    if error="$(podman_trial)"; then
      engine_say "podman: the trial container runs now"
      return 0
    fi
  fi
  engine_say "podman cannot run a container on this machine: $error"
  engine_say "see /etc/containers/containers.conf and storage.conf (docs/testing.md names the settings that worked here)"
  return 1
}

# base_images_setup: the official base images if they can be pulled (then pinned to the
# digest pulled), otherwise the stand-ins, built once and reused while their inputs are
# unchanged.
base_images_setup() {
  local swift_official debian_official digest
  swift_official="$(dockerfile_arg SWIFT_IMAGE)"
  debian_official="$(dockerfile_arg RUNTIME_IMAGE)"
  [ -n "$swift_official" ] && [ -n "$debian_official" ] || { engine_say "the Dockerfile names no ARG SWIFT_IMAGE / RUNTIME_IMAGE"; return 1; }
  build_args=()
  base_summary=""
  if [ -z "${IMAGE_CHECK_STANDINS:-}" ] && pull_official "$swift_official" && pull_official "$debian_official"; then
    for name in "$swift_official" "$debian_official"; do
      digest="$($engine image inspect --format '{{index .RepoDigests 0}}' "$(qualified "$name")" 2>/dev/null || true)"
      base_summary+="official $name, pinned to ${digest:-its local image id $($engine image inspect --format '{{.Id}}' "$(qualified "$name")")}"$'\n'
    done
    build_args+=(--build-arg "SWIFT_IMAGE=$($engine image inspect --format '{{index .RepoDigests 0}}' "$(qualified "$swift_official")")")
    build_args+=(--build-arg "RUNTIME_IMAGE=$($engine image inspect --format '{{index .RepoDigests 0}}' "$(qualified "$debian_official")")")
    return 0
  fi
  [ "$engine" = podman ] || { engine_say "the official base images cannot be pulled and stand-ins are built with podman only"; return 1; }
  engine_say "the official base images cannot be pulled here: using STAND-INS built on this machine (not the official images)"
  standin_debian_setup || return 1
  standin_swift_setup || return 1
  build_args+=(--build-arg "SWIFT_IMAGE=$standin_swift" --build-arg "RUNTIME_IMAGE=$standin_debian")
  local mount
  for mount in "${standin_mounts[@]}"; do build_args+=(-v "$mount:$mount:ro"); done
  base_summary+="STAND-IN $standin_swift for $swift_official: $($engine image inspect --format "{{index .Labels \"$standin_label\"}}" "$standin_swift")"$'\n'
  base_summary+="STAND-IN $standin_debian for $debian_official: $($engine image inspect --format "{{index .Labels \"$standin_label\"}}" "$standin_debian")"$'\n'
}

# pull_official NAME: pulls the image (bounded); true if the engine has it afterwards.
pull_official() {
  local name
  name="$(qualified "$1")"
  if timeout 600 "$engine" pull -q "$name" >/dev/null 2>"${work:-/tmp}/pull.err"; then
    engine_say "pulled $name"
    return 0
  fi
  engine_say "cannot pull $name: $(tail -n 1 "${work:-/tmp}/pull.err" | cut -c1-200)"
  return 1
}

# standin_cached NAME INPUTS: true if the stand-in exists and was built from these inputs.
standin_cached() {
  [ "$(podman image inspect --format '{{index .Labels "org.event-driven-users.standin-inputs"}}' "$1" 2>/dev/null)" = "$2" ]
}

# The Debian stand-in: `debootstrap --variant=minbase bookworm` from Debian's mirror,
# slimmed as the official slim image is (no documentation, man pages or translations;
# apt's lists and downloaded packages removed), with bookworm-updates and
# bookworm-security in its sources, imported with `podman import`.
standin_debian_setup() {
  local mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}" inputs root started=$SECONDS
  inputs="$( { declare -f standin_debian_setup standin_debian_slim; echo "$mirror"; } | sha256sum | cut -c1-16)"
  if standin_cached "$standin_debian" "$inputs"; then
    engine_say "stand-in $standin_debian: cached ($(podman image inspect --format "{{index .Labels \"$standin_label\"}}" "$standin_debian"))"
    return 0
  fi
  engine_say "stand-in $standin_debian: debootstrap --variant=minbase bookworm from $mirror (about 2 min)…"
  root="$(mktemp -d /tmp/image-check-debootstrap.XXXXXX)"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"${work:-/tmp}/debootstrap.log" 2>&1; then
    tail -n 5 "${work:-/tmp}/debootstrap.log"
    rm -rf "$root"
    engine_say "debootstrap failed; log: ${work:-/tmp}/debootstrap.log"
    return 1
  fi
  standin_debian_slim "$root" "$mirror"
  local description
  description="debootstrap --variant=minbase bookworm from $mirror on $(date -u +%Y-%m-%d), base-files $(chroot "$root" dpkg-query -W -f '${Version}' base-files), $(chroot "$root" dpkg-query -W -f '.\n' | wc -l) packages"
  tar -C "$root" --numeric-owner -c . | podman import -q \
    --change 'CMD ["bash"]' \
    --change "LABEL $standin_label=\"$description\"" \
    --change "LABEL org.event-driven-users.standin-inputs=$inputs" \
    - "$standin_debian" >/dev/null || { rm -rf "$root"; engine_say "podman import failed"; return 1; }
  rm -rf "$root"
  engine_say "stand-in $standin_debian: built in $((SECONDS - started)) s ($description)"
}

# standin_debian_slim ROOT MIRROR: what makes the official image slim, applied to ROOT.
standin_debian_slim() {
  local root="$1" mirror="$2"
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# Like the official slim image: no documentation, manuals or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  cat >"$root/etc/apt/apt.conf.d/slim" <<'EOF'
# Like the official image: no downloaded packages kept, no translated package lists.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
EOF
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root/usr/share/man"/* "$root/usr/share/groff"/* "$root/usr/share/info"/* \
    "$root/usr/share/lintian"/* "$root/usr/share/linda"/* "$root/usr/share/locale"/*
  rm -rf "$root/var/lib/apt/lists"/* "$root/var/cache/apt"/*.bin "$root/var/cache/apt/archives"/*.deb \
    "$root/var/log"/*.log "$root/var/log/apt"/* "$root/debootstrap"
  # machine-id and hostname are the container's own at run time.
  : >"$root/etc/machine-id"
  rm -f "$root/etc/hostname"
}

# The Swift stand-in: docker/standin/swift.Containerfile on the Debian stand-in, with this
# machine's Swift toolchain (it must be the release SWIFT_IMAGE names, e.g. 6.3.1) and its
# git rewrites of GitHub URLs to a local copy of the packages (`standin_mounts` lists those
# copies: the image builds mount them).
standin_swift_setup() {
  local swift toolchain version official wanted rewrites="" inputs started=$SECONDS key value
  standin_mounts=()
  swift="$(command -v swift || true)"
  [ -n "$swift" ] || { engine_say "no Swift toolchain on this machine to build the swift stand-in from"; return 1; }
  toolchain="$(dirname "$(dirname "$(dirname "$(readlink -f "$swift")")")")"
  version="$("$swift" --version 2>/dev/null | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -n 1)"
  # The Dockerfile pins an exact release (swift:6.3.1-bookworm): the stand-in must carry that one.
  official="$(dockerfile_arg SWIFT_IMAGE)"
  wanted="$(printf '%s' "$official" | sed -n 's/^[^:]*:\([0-9][0-9.]*\)-.*/\1/p')"
  [ -n "$wanted" ] || { engine_say "no Swift version in the Dockerfile's SWIFT_IMAGE ($official)"; return 1; }
  [ "$version" = "$wanted" ] || { engine_say "this machine's Swift is $version at $toolchain; a stand-in for $official needs Swift $wanted"; return 1; }
  [ -d "$toolchain/usr/bin" ] || { engine_say "no usr/bin under $toolchain (the toolchain's directory)"; return 1; }
  while read -r key value; do
    key="${key#url.}"
    key="${key%.insteadof}"
    [ -d "$key" ] || continue
    rewrites+="$key $value"$'\n'
    [[ " ${standin_mounts[*]} " == *" ${key%/} "* ]] || standin_mounts+=("${key%/}")
  done < <(git config --get-regexp '^url\..*\.insteadof$' 2>/dev/null || true)
  inputs="$( {
    cat docker/standin/swift.Containerfile
    podman image inspect --format '{{.Id}}' "$standin_debian"
    echo "$toolchain"; stat -c '%s %Y' "$toolchain/usr/bin/swift-frontend" 2>/dev/null; "$swift" --version 2>&1
    echo "$rewrites"
  } | sha256sum | cut -c1-16)"
  if standin_cached "$standin_swift" "$inputs"; then
    engine_say "stand-in $standin_swift: cached ($(podman image inspect --format "{{index .Labels \"$standin_label\"}}" "$standin_swift"))"
    return 0
  fi
  engine_say "stand-in $standin_swift: $standin_debian + the official image's packages + Swift $version from $toolchain (a few minutes)…"
  if ! podman build --pull=never --network host -f docker/standin/swift.Containerfile \
    --build-arg "BASE=$standin_debian" --build-arg "GIT_URL_REWRITES=$rewrites" \
    --label "$standin_label=$standin_debian + swift-docker 6.3/debian/12's packages + Swift $version copied from $toolchain on $(date -u +%Y-%m-%d)${rewrites:+, git rewrites GitHub URLs to ${standin_mounts[*]}}" \
    --label "org.event-driven-users.standin-inputs=$inputs" \
    -t "$standin_swift" "$toolchain" >"${work:-/tmp}/standin-swift.log" 2>&1; then
    tail -n 10 "${work:-/tmp}/standin-swift.log"
    engine_say "the swift stand-in did not build; log: ${work:-/tmp}/standin-swift.log"
    return 1
  fi
  engine_say "stand-in $standin_swift: built in $((SECONDS - started)) s"
}
