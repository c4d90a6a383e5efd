# The dnsfleet image: one image for the operator and the dataplane pods (`dnsfleet operator`,
# `dnsfleet dataplane --role cloud|control`), and `dnsfleet serve`.
#
#   docker build -t dnsfleet:dev .
#
# Without a Docker engine, e2e/image/build.sh builds this same file with buildah, passing bases it
# made on the machine (BASE: Debian + Node.js; BUILD_BASE: that + npm, headers and gcc). Any image
# with Node.js 20 at /usr/local/bin/node on glibc serves as BASE; BUILD_BASE also needs npm.
#
# The image runs as uid 65532 with no capability and a read-only root filesystem: the pods listen
# on unprivileged ports (docs/adr/0016-image-user-and-port-53.md); they write only to
# /var/lib/dnsfleet (the local snapshot of the zones, an emptyDir in the pod templates).
ARG BASE=node:20-bookworm-slim
ARG BUILD_BASE=node:20-bookworm-slim

FROM ${BUILD_BASE} AS build
# A C compiler for the batched UDP I/O addon (docs/adr/0006-batched-udp-io.md), unless the build
# base has one; DNSFLEET_NATIVE=required: the image must not fall back to node:dgram, so a failed
# addon build fails the image build.
RUN command -v cc >/dev/null || { apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*; }
ENV DNSFLEET_NATIVE=required
WORKDIR /src
COPY package.json package-lock.json ./
# The sources are not here yet: the `prepare` build runs below, once they are. `npm ls` because
# npm 10 can end a failed install ("Exit handler never called!") with status 0.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm ls >/dev/null
COPY tsconfig.json ./
COPY api api
COPY cli cli
COPY crds crds
COPY dataplane dataplane
COPY operator operator
RUN npm run build && find dist -name '*.map' -delete

# The node_modules of the image: production dependencies only (none has an install script).
FROM ${BUILD_BASE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm ls --omit=dev >/dev/null && rm -rf /root/.npm

FROM ${BASE}
# The user the pod templates ask for (runAsUser/runAsGroup 65532, runAsNonRoot), with an entry in
# /etc/passwd so tools that look the user up find it; /var/lib/dnsfleet is where it may write.
RUN groupadd --system --gid 65532 dnsfleet \
 && useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/dnsfleet --no-create-home --shell /usr/sbin/nologin dnsfleet \
 && mkdir -p /var/lib/dnsfleet && chown 65532:65532 /var/lib/dnsfleet && chmod 0700 /var/lib/dnsfleet
WORKDIR /app
COPY --from=deps /src/package.json ./
COPY --from=deps /src/node_modules node_modules
COPY --from=build /src/dist dist
# The generated CRDs: manifests are validated against their schemas (dataplane/manifest/crd-schema.ts).
COPY --from=build /src/crds/*.yaml crds/
# The REST API's OpenAPI document, served at /openapi.json (api/openapi.ts).
COPY --from=build /src/api/openapi.json api/
RUN chmod +x dist/cli/main.js && ln -s /app/dist/cli/main.js /usr/local/bin/dnsfleet
ENV NODE_ENV=production
USER 65532:65532
ENTRYPOINT ["dnsfleet"]
CMD ["--help"]
