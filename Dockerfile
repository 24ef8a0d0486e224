# canary-bot: the GitHub App server (docs/github-app.md, "Running it").
# docker build -t canary-bot . && docker run --env-file .env -p 3000:3000 canary-bot

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# The kustomize engine the review builds GitOps repositories with (docs/gitops-build.md): the
# official release binary, checked against the release's published checksums.
FROM debian:bookworm-slim AS kustomize
ARG TARGETARCH=amd64
ARG KUSTOMIZE_VERSION=5.5.0
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && base="https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}" \
 && file="kustomize_v${KUSTOMIZE_VERSION}_linux_${TARGETARCH}.tar.gz" \
 && curl -fsSLo "/tmp/${file}" "${base}/${file}" \
 && curl -fsSLo /tmp/checksums.txt "${base}/checksums.txt" \
 && (cd /tmp && grep " ${file}\$" checksums.txt | sha256sum -c -) \
 && tar -xzf "/tmp/${file}" -C /usr/local/bin kustomize \
 && /usr/local/bin/kustomize version

FROM node:20.20-bookworm-slim
COPY --from=kustomize /usr/local/bin/kustomize /usr/local/bin/kustomize
ENV NODE_ENV=production \
    KUSTOMIZE_BIN=/usr/local/bin/kustomize \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_LEVEL=info \
    LOG_FORMAT=json \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY schema ./schema
# The embedded store (PGlite) lives in /data: mount a volume there, or set DATABASE_URL
# (PostgreSQL; docs/store.md), and the server writes nothing to disk.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# The image's unprivileged user; besides /data the server writes only temporary build folders (os.tmpdir()).
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form): running reviews get 20 s, the rest go back to the queue.
CMD ["node", "dist/cli.js", "serve"]
