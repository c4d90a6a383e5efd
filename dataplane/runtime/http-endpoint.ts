import express from 'express';
import type { Server } from 'node:http';
import { once } from 'node:events';
import type { ListenAddress } from '../server/dns-server';

/**
 * A dataplane process's HTTP side, for Kubernetes and Prometheus: `/healthz` (alive: answers
 * whenever the process runs), `/readyz` (what the role says: 200 when it may take queries, else
 * 503, with a line saying why), `/metrics` and whatever JSON pages the role adds (`/zones`).
 */

/** Whether the process may be sent queries, and a line saying what it serves or waits for. */
export interface Readiness {
  readonly ready: boolean;
  readonly text: string;
}

/** What `/metrics` reads: a prom-client `Registry` fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface HttpEndpointOptions {
  readonly address: ListenAddress;
  readonly readiness: () => Readiness;
  readonly metrics?: MetricsSource;
  /** GET pages answered with the function's value as JSON, by path. */
  readonly json?: Readonly<Record<string, () => unknown>>;
}

export interface HttpEndpoint {
  /** The port it listens on (port 0 asks the system). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const { ready, text } = options.readiness();
    res.status(ready ? 200 : 503).type('text/plain').send(`${text}\n`);
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', (_req, res) => {
      void metrics.metrics().then((text) => res.type(metrics.contentType).send(text));
    });
  }
  for (const [path, body] of Object.entries(options.json ?? {})) {
    app.get(path, (_req, res) => {
      res.json(body());
    });
  }
  const http: Server = app.listen(options.address.port, options.address.host);
  await once(http, 'listening');
  const address = http.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.address.port,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
