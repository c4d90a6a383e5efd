# The dnsfleet image: one image for the operator and the dataplane pods (`dnsfleet operator`,
# `dnsfleet dataplane --role cloud`). Not built in CI (no container engine there); see
# e2e/README.md for kind.
FROM node:20-bookworm-slim AS build
# A C compiler for the batched UDP I/O addon (docs/adr/0006-batched-udp-io.md); the image must
# not fall back to node:dgram, so a failed build fails the image build.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
ENV DNSFLEET_NATIVE=required
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY cli cli
COPY crds crds
COPY dataplane dataplane
COPY operator operator
COPY e2e e2e
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
# The generated CRDs: manifests are validated against their schemas (dataplane/manifest/crd-schema.ts).
COPY --from=build /src/crds/*.yaml crds/
RUN chmod +x dist/cli/main.js && ln -s /app/dist/cli/main.js /usr/local/bin/dnsfleet
# The uid the pod templates ask for (runAsNonRoot); the pods bind unprivileged ports only.
USER 65532:65532
ENTRYPOINT ["dnsfleet"]
