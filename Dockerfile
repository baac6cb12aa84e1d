# Baton's container image: built with the Swift toolchain, run on slim Debian.
#
#   docker build -t baton .
#   docker run -e DATABASE_URL=postgres://baton:secret@db.internal:5432/baton -p 8080:8080 baton
#
# The image holds no PostgreSQL server, so it needs DATABASE_URL (see docs/operations.md).

# ---------------------------------------------------------------------------
# Build stage: the Swift 6 toolchain on Debian 12, plus libpq's headers.
# ---------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# libpq-dev: the headers and libpq.pc that the CLibPQ system-library target needs;
# pkg-config: how SwiftPM finds them (pkgConfig: "libpq" in Package.swift).
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# The manifest first, so that the dependency layer is rebuilt only when it changes.
# Package.* also picks up Package.resolved when the build context has one.
COPY Package.* ./
RUN swift package resolve

# Tests/ is copied too, though nothing in it is built: SwiftPM checks that every
# target in the manifest has its folder before it builds any product.
COPY Sources ./Sources
COPY Tests ./Tests
COPY sql ./sql
COPY docs ./docs

# --static-swift-stdlib links the Swift runtime and Foundation into the binary
# instead of copying /usr/lib/swift/linux/*.so into the run stage: one
# self-contained file, nothing to keep in step with the toolchain version, and a
# smaller image (only the parts Baton uses are linked). libpq stays dynamic and
# comes from Debian's libpq5 below.
RUN swift build -c release --product baton --static-swift-stdlib

# Gather what the run stage needs in one folder, laid out as /app will be: the
# binary with its resource bundle beside it (where Bundle.module looks), the
# migrations, and the API document (read from ../docs/openapi.yaml next to sql/).
WORKDIR /staging
RUN bin="$(swift build --package-path /build -c release --show-bin-path)" \
    && cp "$bin/baton" ./baton \
    && cp -R "$bin/baton_BatonApp.resources" ./ \
    && cp /usr/libexec/swift/linux/swift-backtrace-static ./ \
    && cp -R /build/sql ./sql \
    && mkdir docs \
    && cp /build/docs/openapi.yaml ./docs/openapi.yaml

# ---------------------------------------------------------------------------
# Run stage: Debian 12 slim with libpq, a non-root user, and the staged files.
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim

# libpq5: the PostgreSQL client library (and its TLS); ca-certificates: for
# sslmode=verify-full against a server with a public certificate; curl: for the
# HEALTHCHECK; tzdata: time zone data for Foundation; libstdc++6: the C++ runtime
# that the Swift runtime links dynamically even with --static-swift-stdlib.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl tzdata libstdc++6 \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user with a home for BATON_DATA. It owns nothing in /app: the
# service can read its binary, migrations and document but not change them.
RUN useradd --system --user-group --uid 10001 --create-home --home-dir /var/lib/baton \
        --shell /usr/sbin/nologin baton

WORKDIR /app
COPY --from=build /staging/ /app/

# HOST must be 0.0.0.0 in a container: 127.0.0.1 would be reachable only from
# inside it. BATON_SQL_DIR is where the migrations are (./sql from WORKDIR too).
# BATON_DATA points at a folder the service may write; the embedded cluster is
# never used here (DATABASE_URL is required), but nothing should try /app.
# SWIFT_BACKTRACE: on a crash, print a symbolicated backtrace of every thread to
# the log rather than nothing.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    BATON_SQL_DIR=/app/sql \
    BATON_DATA=/var/lib/baton \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/app/swift-backtrace-static

EXPOSE 8080

USER baton

# Liveness only (the process answers); readiness (/readyz) is for orchestrators.
# Shell form, so that a PORT given at `docker run` is the one checked.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT:-8080}/healthz" || exit 1

# Refuse to start without DATABASE_URL, with a message that says what to do,
# rather than fail later looking for PostgreSQL's programs to start an embedded
# cluster that this image does not have. Then exec, so that baton is PID 1 and
# gets docker stop's SIGTERM for a graceful shutdown. Arguments after the image
# name replace CMD: `docker run … baton migrate --dry-run`.
ENTRYPOINT ["/bin/sh", "-c", "if [ -z \"${DATABASE_URL:-}\" ]; then echo 'baton: DATABASE_URL is not set. This image has no PostgreSQL server of its own; run it with -e DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE (see docs/operations.md).' >&2; exit 64; fi; exec /app/baton \"$@\"", "baton"]
CMD ["serve"]
