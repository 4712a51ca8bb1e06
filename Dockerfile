# Nightshift's image: the package `scripts/package.sh` makes (the binary the test command runs,
# with the Swift runtime linked in), on a slim Debian, as a user without privileges.
#
#   docker build -t nightshift:0.1.0 .
#   docker run --rm -p 8080:8080 -v "$PWD/nightshift.yml:/etc/nightshift/nightshift.yml:ro" nightshift:0.1.0
#
# The config's `server.host` must be 0.0.0.0 for the port to be reachable from outside the container.

FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/package.sh --output /dist \
    && mkdir /package && tar -xzf /dist/nightshift-*.tar.gz -C /package --strip-components=1

FROM debian:bookworm-slim
# libstdc++6 and zlib1g: what the binary links besides the C library (`ldd`); ca-certificates:
# TLS to managed PostgreSQL and Redis; tzdata: jobs' time zones; tini: reaps
# what command jobs leave behind and passes SIGTERM on, so the drain works as under systemd.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata tini libstdc++6 zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/nightshift --create-home nightshift
COPY --from=build /package/nightshift /usr/local/bin/nightshift
COPY --from=build /package/nightshift.example.yml /etc/nightshift/nightshift.yml
USER 10001
WORKDIR /var/lib/nightshift
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/nightshift"]
CMD ["serve", "--config", "/etc/nightshift/nightshift.yml"]
