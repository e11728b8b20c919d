# Builds every executable of the package once; the services share this image.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
RUN swift build -c release --product user-service \
 && swift build -c release --product local-broker \
 && mkdir /out && cp .build/release/user-service .build/release/local-broker /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
COPY --from=build /out/ /app/
COPY Migrations /app/Migrations
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux MIGRATIONS_PATH=/app/Migrations
WORKDIR /app
EXPOSE 8080
CMD ["/app/user-service"]
