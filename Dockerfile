# OCOP Trace: one process serving the API and the site.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY api/package.json api/
COPY site/package.json site/
COPY packages/domain/package.json packages/domain/
COPY packages/db/package.json packages/db/
COPY migrations/package.json migrations/
RUN npm ci --no-audit --no-fund
COPY . .
RUN if [ -f site/build.mjs ] || [ -f site/astro.config.mjs ]; then npm run build --if-present; fi
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:3000/api/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["npx", "tsx", "api/src/server.ts"]
