# syntax=docker/dockerfile:1
# Image for the API and the worker (same code, different entry point:
# `npm run api` / `npm run worker`, see docker-compose.yml).
# Debian-based (glibc) because the Temporal worker loads a native module
# (@temporalio/core-bridge) that has no musl/Alpine build.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile TypeScript with the full (dev) dependency set.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Runtime dependencies only, installed apart so the compiler and test tools stay out of the image.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: compiled code + production node_modules, run as the image's unprivileged "node" user.
FROM ${NODE_IMAGE} AS runtime
# npm runs scripts through /bin/sh, which is dash here: dash keeps itself between npm and node and
# dies on SIGTERM without passing it on, so node never shuts down gracefully and is killed with the
# container. bash execs the single command instead, so npm forwards SIGTERM straight to node and waits
# for it (the worker then finishes in-flight activities, WORKER_SHUTDOWN_GRACE_MS).
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=8080 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash
WORKDIR /app
# Files stay root-owned and read-only to the process; nothing is written under /app in production
# (DATABASE_URL, TEMPORAL_ADDRESS, SECRET_KEYS and API_TOKEN come from the environment).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
USER node
EXPOSE 8080
# The worker overrides this with `npm run worker`.
CMD ["npm", "run", "api"]
