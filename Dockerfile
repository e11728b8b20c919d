# One image for every executable of the package (user-service, analytics-service,
# search-service, local-broker); compose picks the command per service.
# Build stage: the official Swift image with librdkafka's headers.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
# Builds every executable target (tests are not built).
RUN swift build -c release
RUN mkdir /out && cp .build/release/user-service .build/release/analytics-service \
      .build/release/search-service .build/release/local-broker /out/

# Runtime stage: slim Debian with the librdkafka runtime and the Swift runtime libraries.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 ca-certificates curl libcurl4 libxml2 tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
COPY --from=build /out/ /app/
COPY Migrations /app/Migrations
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux MIGRATIONS_PATH=/app/Migrations
WORKDIR /app
EXPOSE 8080 8081 8082
CMD ["/app/user-service"]
