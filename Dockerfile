# OCOP Trace: one process serving the API and the site (README "Production").
# Build: docker build -t ocop-trace .   Run beside PostgreSQL: docker compose up -d
FROM node:20-bookworm-slim
WORKDIR /app

# Dependencies first, from the lock file only, so this layer is cached until the lock changes.
# --include=dev: the server runs TypeScript through tsx (a dev dependency), and the site build
# needs Astro's toolchain. --ignore-scripts: the root postinstall builds the site, whose sources
# are not copied yet; the build runs explicitly below. (sharp and esbuild ship prebuilt binaries
# as platform packages, so skipping install scripts loses nothing.)
COPY package.json package-lock.json ./
COPY api/package.json api/
COPY site/package.json site/
COPY packages/domain/package.json packages/domain/
COPY packages/db/package.json packages/db/
COPY migrations/package.json migrations/
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund

COPY . .
# The Astro site (site/dist), served by the API process from the same origin.
RUN npm run build && test -f site/dist/server/entry.mjs

ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/.data
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# node itself is PID 1 and receives SIGTERM: server.ts drains requests and closes the pool.
# No npx: it could try to download tsx at start.
CMD ["node", "--import", "tsx", "api/src/server.ts"]
