# One image recipe for the four Bellwether services. Pick the service with the SERVICE build arg:
#
#   docker build --build-arg SERVICE=scoring -t bellwether/scoring:local .
#
# SERVICE is one of ingestion | scoring | alerting | playbook (default: ingestion). The build
# compiles the whole monorepo, so every image also holds every service's migrate.js and the
# API-key CLI; SERVICE only chooses the port, the healthcheck and what CMD starts.
#
# Stages: deps (all dependencies) -> build (tsc into dist/) -> runtime-base (production
# dependencies + dist/) -> service-<name> (port of that service) -> runtime (the final image).
# Only classic Dockerfile syntax is used (no RUN --mount), so it builds with BuildKit and with
# the legacy builder alike.

# Must be declared before the first FROM to be usable in `FROM service-${SERVICE}` below.
ARG SERVICE=ingestion

############################################################################################
# deps: every dependency, dev ones included (tsc, @types/*), exactly as locked.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

############################################################################################
# build: `npm run build` = tsc -p tsconfig.build.json -> dist/{apps,libs,scripts}.
FROM deps AS build
WORKDIR /app
COPY tsconfig.base.json tsconfig.build.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
RUN npm run build \
 && for s in ingestion scoring alerting playbook; do \
      test -f "dist/apps/$s/src/main.js" && test -f "dist/apps/$s/src/migrate.js" \
        || { echo "missing dist/apps/$s/src/{main,migrate}.js after build" >&2; exit 1; }; \
    done \
 && test -f dist/apps/ingestion/src/cli/keys.cli.js

############################################################################################
# runtime-base: production dependencies only, the compiled tree, and what
# tools/runtime/register-paths.js needs at run time: tsconfig-paths (a runtime dependency) and
# ../../tsconfig.base.json (the @bellwether/* path map), resolved against /app/dist.
FROM node:20-bookworm-slim AS runtime-base
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script; --ignore-scripts keeps it that way.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY tsconfig.base.json ./
COPY tools/runtime ./tools/runtime
COPY --from=build /app/dist ./dist
# Files stay owned by root and read-only to the service user; nothing is written under /app
# at run time (logs go to stdout), so the root filesystem can be mounted read-only.

############################################################################################
# One tiny stage per service: its port (the same default as apps/<service>/src/*.env.ts).
FROM runtime-base AS service-ingestion
ENV PORT=3000
EXPOSE 3000

FROM runtime-base AS service-scoring
ENV PORT=3001
EXPOSE 3001

FROM runtime-base AS service-alerting
ENV PORT=3002
EXPOSE 3002

FROM runtime-base AS service-playbook
ENV PORT=3003
EXPOSE 3003

############################################################################################
# runtime: the image. An unknown SERVICE fails here (no stage "service-<name>").
FROM service-${SERVICE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
# The node user (uid 1000, gid 1000) that node:20-bookworm-slim ships with.
USER node

# Liveness only (/healthz): the process answers. Dependencies are /readyz's business.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `exec` replaces the shell, so node is the process that receives SIGTERM and runs the graceful
# shutdown (HTTP stops, consumers leave the group, producers flush, pools close).
CMD ["sh", "-c", "exec node -r ./tools/runtime/register-paths.js \"dist/apps/${SERVICE}/src/main.js\""]
