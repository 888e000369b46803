# fpm-medic: one image for `serve` (Slack app + HTTP) and `worker` (BullMQ workers).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm install --no-fund --no-audit --ignore-scripts && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# ssh for nothing: node-ssh speaks SSH itself. tini reaps and forwards SIGTERM so jobs drain.
RUN apt-get update && apt-get install -y --no-install-recommends tini ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY commands ./commands
COPY runbooks ./runbooks
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/fpm-medic.js"]
CMD ["serve"]
