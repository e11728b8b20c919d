# One image for every service of the package (user-service, analytics-service,
# search-service, local-broker); compose picks the command per service. The four are one
# executable, `event-driven-users`, and /app/<name> are links to it: it runs the one it is
# started as. Four executables carried the code the services share four times (~30 MB each).
# scripts/image-check.sh builds it and runs its services (docs/testing.md). Where no
# registry is reachable it passes stand-ins for the two bases below (--build-arg), built
# on the machine and named as such; it never tags them with these names.
# Both are exact releases, changed on purpose only: the Swift release the package is built
# and tested with (6.3.1), and a dated build of Debian 12's slim image (its tags:
# <codename>-YYYYMMDD-slim). scripts/lib/check_compose.py rejects a floating tag here.
ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-20260803-slim

# Build stage: the official Swift image with librdkafka's headers.
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dependencies first, at the versions of the committed Package.resolved, in a layer of
# their own (source changes do not fetch them again). SwiftPM refuses a manifest whose
# targets' directories are missing, the test targets' included, so the directories of every
# target are created empty here (each target names its folder as `path:` or `in:`); the
# tests are never built, so Tests/ is not copied.
COPY Package.swift Package.resolved ./
RUN sed -n 's/.*\(path\|in\): "\([^"]*\)".*/\2/p' Package.swift | xargs -r mkdir -p \
    && swift package resolve --force-resolved-versions
COPY Shared ./Shared
COPY Services ./Services
# A release build of the one executable (the Swift runtime stays dynamic: statically, each
# executable carried its own Foundation and ICU, 87 MB for user-service alone).
RUN swift build -c release --force-resolved-versions --product event-driven-users
# What ships: the executable, a link to it per service, and the Swift runtime libraries it
# loads (ldd), nothing else of the toolchain, stripped (crash backtraces then show addresses,
# not function names).
RUN mkdir -p /out/bin /out/lib \
    && bin="$(swift build -c release --show-bin-path)" \
    && cp "$bin/event-driven-users" /out/bin/ \
    && for service in user-service analytics-service search-service local-broker; do ln -s event-driven-users "/out/bin/$service"; done \
    && ldd /out/bin/event-driven-users | sed -n 's@.* => \(/[^ ]*/lib/swift/linux/[^ ]*\) .*@\1@p' | sort -u | xargs -r cp -t /out/lib \
    && test -f /out/lib/libswiftCore.so \
    && strip /out/bin/event-driven-users && strip --strip-unneeded /out/lib/*.so \
    && ls -l /out/bin /out/lib

# Runtime stage: slim Debian, the libraries the executables load (librdkafka and the Swift
# runtime) and CA certificates for TLS; no curl: the health check is each executable's own `probe`. Runs as `app`
# (uid 10001), never as root. /keys belongs to it: compose mounts its `keys` volume there
# (a new volume takes the directory's owner), where the one-shot secrets job writes the
# secrets the services read.
FROM ${RUNTIME_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
    && mkdir -p /keys && chown 10001:10001 /keys && chmod 700 /keys
COPY --from=build /out/lib/ /usr/lib/swift/linux/
COPY --from=build /out/bin/ /app/
COPY Migrations /app/Migrations
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux MIGRATIONS_PATH=/app/Migrations
WORKDIR /app
USER 10001:10001
EXPOSE 8080 8081 8082
CMD ["/app/user-service"]
