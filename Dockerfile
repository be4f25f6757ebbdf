# syntax=docker/dockerfile:1
#
# trackstream: a production image (docs/operations.md).
#
#   docker build -t trackstream .
#   docker run --rm -e TRACKSTREAM_BROKERS=kafka-1:9092 -p 9464:9464 trackstream
#   docker run --rm trackstream check-config        # any subcommand works: ENTRYPOINT is the binary
#
# Build stage: the official Swift image on Ubuntu 24.04, whose librdkafka-dev (2.3.0) meets the
# build's ≥ 2.3 requirement (kafka-check's DescribeTopics) and the service's ≥ 2.2. The Swift runtime is linked statically, so the runtime stage needs
# only the C libraries: librdkafka1 (and what it pulls in: libssl, libsasl2, zstd, lz4, zlib),
# libjemalloc2, the service's allocator, libmaxminddb0 (geolocation) and libpcre2-8-0 (user agents).
ARG SWIFT_IMAGE=swift:6.3.1-noble
ARG RUNTIME_IMAGE=ubuntu:24.04

FROM ${SWIFT_IMAGE} AS build
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends librdkafka-dev libjemalloc-dev libmaxminddb-dev libpcre2-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, so that a source change does not fetch them again.
COPY Package.* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product trackstream \
    && mkdir -p /staging \
    && cp "$(swift build -c release --static-swift-stdlib --show-bin-path)/trackstream" /staging/trackstream

# Runtime stage: Ubuntu 24.04 with librdkafka 2.3.0, the uap-core crawler regexes
# (/usr/share/uap-core/regexes.yaml, read by the bot detector and the user agent parser); mount a
# MaxMind DB file and point enrichments.geoip.database or TRACKSTREAM_GEOIP_DATABASE at it, CA certificates for TLS to brokers,
# and curl for the health check.
FROM ${RUNTIME_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends librdkafka1 libjemalloc2 libmaxminddb0 libpcre2-8-0 uap-core ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 trackstream \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin trackstream
COPY --from=build /staging/trackstream /usr/local/bin/trackstream
# The default pipeline is Pipelines/track.yml relative to the working directory: /app/Pipelines/track.yml.
# Mount another file over it, or pass a path: `docker run ... trackstream run /config/my.yml`.
WORKDIR /app
COPY Pipelines ./Pipelines
USER 10001:10001
# Prometheus /metrics, /health/live and /health/ready (metrics.listen).
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:9464/health/live || exit 1
# SIGTERM (docker stop) drains in-flight work, commits and leaves the group; give it time with
# `docker stop -t 30` or `stop_grace_period` in Compose.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/trackstream"]
# Inside a container metrics must listen on every interface, not the file's 127.0.0.1.
CMD ["run", "--metrics-listen", "0.0.0.0:9464"]
