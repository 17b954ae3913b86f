# The peer daemon. From the repository root:
#   docker build -f deploy/docker/peer.Dockerfile -t p2p-peer .
#   docker run --rm -p 8001:8001 -p 9001:9001 p2p-peer
# The build uses only the classic builder's instructions (no BuildKit mounts or heredocs).

# Build: install everything, compile the core packages, then keep only the peer's production
# dependencies (no TypeScript, buf or Next) for the runtime stage to copy.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build:core \
 && npm ci --omit=dev --workspace @p2p/peer --no-audit --no-fund

# Runtime: node, the peer's dist and production node_modules, in the repository's layout so that
# the workspace links node_modules/@p2p/{dht,proto} -> packages/* resolve.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/proto/package.json packages/proto/
COPY --from=build /app/packages/proto/src packages/proto/src
COPY --from=build /app/packages/proto/gen packages/proto/gen
COPY --from=build /app/packages/dht/package.json packages/dht/
COPY --from=build /app/packages/dht/dist packages/dht/dist
COPY --from=build /app/apps/peer/package.json apps/peer/
COPY --from=build /app/apps/peer/dist apps/peer/dist
# The default data dir, owned by the image's "node" user; mount a volume here to keep it.
RUN mkdir -p /var/lib/p2p && chown 1000:1000 /var/lib/p2p
VOLUME /var/lib/p2p
# The "node" user, numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# HTTP API (Connect, REST, /metrics, /healthz) and peer-to-peer gRPC (grpc.health.v1 too).
EXPOSE 8001 9001
# node is PID 1 (exec form, no npm or shell in between): SIGTERM reaches the peer, which leaves
# the network and exits within --shutdown-timeout-ms. Flags after the image name replace CMD.
ENTRYPOINT ["node", "apps/peer/dist/main.js"]
CMD ["--host", "0.0.0.0", "--data-dir", "/var/lib/p2p"]
