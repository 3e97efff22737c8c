# Arena's container image: built with the project's own scripts on Debian 12, run as a non-root
# user on debian:12-slim with only the runtime libraries. Entry point `arena`, default `serve`
# (roles and settings from ARENA_* variables; see .env.example). Data (SQLite, generated keys) in
# /var/lib/arena, a volume; the Compose file and the Helm chart run it with a read-only root.
#   docker build -t arena:dev .
#   docker run --rm -p 8080:8080 arena:dev            # embedded: every role, SQLite
# scripts/check-deploy.sh checks that the runtime stage installs a package for every shared library
# the arena binary links (it cannot build the image here: these machines have no Docker daemon).

FROM debian:12 AS build
WORKDIR /src
COPY . .
# scripts/deps.sh installs the build's Debian packages (Node.js and npm among them) and
# scripts/npm.sh the web files the server serves (Swagger UI, GraphiQL), from package-lock.json.
RUN scripts/deps.sh \
 && scripts/npm.sh web \
 && cmake --preset release -DARENA_BUILD_BENCH=OFF \
 && cmake --build --preset release --target arena web_files -j "$(nproc)" \
 && mkdir -p /out/bin /out/share \
 && cp build/bin/arena /out/bin/ \
 && cp -r build/share/arena /out/share/ \
 && strip /out/bin/arena

FROM debian:12-slim
# The shared libraries arena links (readelf -d; scripts/check-deploy.sh checks the list), and curl
# for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates curl \
      libabsl20220623 libboost-container1.81.0 libboost-json1.81.0 libfmt9 libgrpc++1.51 libgrpc29 libhiredis0.14 libnats3.4 libpq5 \
      libprotobuf32 librabbitmq4 libsodium23 libspdlog1.10 libsqlite3-0 libssl3 libtomlplusplus3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/arena --shell /usr/sbin/nologin arena \
 && mkdir -p /var/lib/arena && chown arena:arena /var/lib/arena
COPY --from=build /out/ /opt/arena/
ENV ARENA_LISTEN=0.0.0.0:8080 \
    ARENA_DATA_DIR=/var/lib/arena \
    ARENA_LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/arena
VOLUME /var/lib/arena
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/opt/arena/bin/arena"]
CMD ["serve"]
