# hanvisa: one image for every role (embedded service, or distributed workers with REDIS_URL).
#   docker build -t hanvisa .
#   docker run --rm -p 8080:8080 -v "$PWD/my-config:/config:ro" -v hanvisa-data:/app/data \
#     -e REDIS_URL=redis://redis:6379 hanvisa
# Mount your hanvisa.yaml at /config/hanvisa.yaml with `server: { host: 0.0.0.0, port: 8080 }`.
# Give containers a stop grace period above workers.shutdownDeadline (default 25 s), e.g.
# `docker run --stop-timeout 30` or Kubernetes terminationGracePeriodSeconds: 30.

# ---- build: all dependencies, compile TypeScript, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Compilers for better-sqlite3, used only when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (tsc) needs the sources, which are not copied yet;
# the native modules are built explicitly instead.
RUN npm ci --ignore-scripts \
  && npm rebuild better-sqlite3 msgpackr-extract
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts

# ---- runtime: production dependencies (with the native build), compiled code, non-root ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The sample config and its calendars, so the image runs as shipped (mount your own at /config).
# As shipped it listens on the container's loopback only (the HEALTHCHECK reaches it; nothing else
# can): to serve other machines, mount a config with server: { host: 0.0.0.0 } and pass
# HANVISA_API_TOKENS — hanvisa refuses a reachable listener without a credential.
COPY config ./config
COPY fixtures/ical ./fixtures/ical
RUN mkdir -p /app/data /app/reports /config \
  && cp /app/config/hanvisa.yaml /config/hanvisa.yaml \
  && sed -i -e 's#\.\./fixtures/#/app/fixtures/#' -e 's#\.\./data/#/app/data/#' -e 's#\.\./reports#/app/reports#' /config/hanvisa.yaml \
  && chown -R node:node /app/data /app/reports /config
USER node
EXPOSE 8080
VOLUME ["/app/data"]
STOPSIGNAL SIGTERM
# Liveness: /healthz fails when no cycle was run or enqueued for two intervals, or jobs wait but
# this process completes none (workers.stalledAfter).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/hanvisa.js"]
CMD ["start", "--config", "/config/hanvisa.yaml"]
