# syntax=docker/dockerfile:1
# One image for every deployable; the command picks it:
#   docker run <image> command-api | query-api | stream-consumer | parked-records | rebuild [args]
# Node 24 is an LTS line maintained until April 2028 (see docs/deploy.md for why not 20 or 26).
# Pin the digest (node:24-slim@sha256:...) in your registry mirror for reproducible builds.
# NODE_VERSION is also what CI (.ci/run) installs from the npm registry, and .nvmrc / engines /
# @types/node follow its major: one runtime everywhere.
ARG NODE_VERSION=24.22.3
ARG NODE_IMAGE=node:${NODE_VERSION}-slim

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
RUN npm run build

# ---- deps: production dependencies only ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to Node and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# A small young generation keeps each service's RSS well under its task memory (bench/: the
# command API peaked at 235 MiB with defaults, 118 MiB with this at 200 commands/s). Old space is
# capped too: left to follow the cgroup, V8 lets garbage pile up to a few times the live heap
# (≈ 30 MiB for the command API under overload) before collecting it.
ENV NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=96"
WORKDIR /app
COPY --from=deps --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chown=root:root package.json ./
# Amazon RDS CA bundle: the services verify Aurora's certificate (services/config/env.ts).
ADD --chown=root:root --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /app/certs/rds-global-bundle.pem
COPY --chown=root:root --chmod=0555 docker-entrypoint.sh ./docker-entrypoint.sh
# Files are owned by root and read-only to the `node` user (uid 1000 of the base image): the
# process cannot modify its own code, and nothing writes to the root file system at run time.
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker-entrypoint.sh"]
CMD ["command-api"]
