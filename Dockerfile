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

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
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
# The image's unprivileged user.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form): running reviews get 20 s, the rest go back to the queue.
CMD ["node", "dist/cli.js", "serve"]
