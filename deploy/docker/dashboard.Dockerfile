# The dashboard (Next.js). From the repository root:
#   docker build -f deploy/docker/dashboard.Dockerfile -t p2p-dashboard .
#   docker run --rm -p 3000:3000 -e DASHBOARD_PEERS=<peer host>:8001 p2p-dashboard
# The build uses only the classic builder's instructions (no BuildKit mounts or heredocs).

# Build: install everything, build the dashboard (offline: system fonts, no telemetry), then keep
# only its production dependencies for the runtime stage to copy.
FROM node:20-bookworm-slim AS build
ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build -w @p2p/dashboard \
 && rm -rf apps/dashboard/.next/cache \
 && npm ci --omit=dev --workspace @p2p/dashboard --no-audit --no-fund

# Runtime: node, next and the built .next, in the repository's layout (the workspace link
# node_modules/@p2p/proto -> packages/proto, next.config.ts's root two levels up).
FROM node:20-bookworm-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/proto/package.json packages/proto/
COPY --from=build /app/packages/proto/src packages/proto/src
COPY --from=build /app/packages/proto/gen packages/proto/gen
COPY --from=build /app/apps/dashboard/package.json /app/apps/dashboard/next.config.ts apps/dashboard/
# Owned by the "node" user: next start writes its cache under .next/cache.
COPY --chown=1000:1000 --from=build /app/apps/dashboard/.next apps/dashboard/.next
WORKDIR /app/apps/dashboard
# The "node" user, numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# node is PID 1 (exec form, no npm or shell in between); next start exits on SIGTERM.
# It writes only to .next/cache and /tmp (emptyDirs in deploy/kubernetes/dashboard.yaml).
CMD ["node", "/app/node_modules/next/dist/bin/next", "start", "--hostname", "0.0.0.0", "--port", "3000"]
