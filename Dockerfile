# Relance service image. Debian's Chromium is included for RELANCE_TRANSPORT=wwebjs; python3, make
# and g++ build better-sqlite3 when no prebuilt binary can be fetched.
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ca-certificates tini python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    CHROMIUM_PATH=/usr/bin/chromium \
    PUPPETEER_SKIP_DOWNLOAD=true \
    RELANCE_DATA_DIR=/data \
    PORT=3000

WORKDIR /app
COPY package.json package-lock.json .puppeteerrc.cjs tsconfig.json ./
COPY packages/core/package.json packages/core/
COPY packages/adapters/package.json packages/adapters/
COPY packages/http/package.json packages/http/
COPY examples/package.json examples/
RUN npm ci --omit=dev --no-audit --no-fund
COPY packages packages

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "packages/http/src/main.ts"]
