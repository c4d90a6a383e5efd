import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from '../dataplane/log/log';
import { createApi, type ApiOptions } from './app';
import { kubeTenantStore } from './kube-store';

/** `dnsfleet api`: the REST API on one address, against the API server of a kubeconfig (or in-cluster). */
export interface RunApiOptions extends Omit<ApiOptions, 'store'> {
  readonly listen: { readonly host: string; readonly port: number };
  readonly kubeconfig?: string;
  readonly log: Logger;
}

export interface RunningApi {
  /** The address it listens on (port 0 in the options: the port chosen). */
  readonly address: AddressInfo;
  stop(): Promise<void>;
}

export async function runApi(options: RunApiOptions): Promise<RunningApi> {
  const store = await kubeTenantStore(options.kubeconfig);
  const app = createApi({ ...options, store });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.listen.port, options.listen.host, () => resolve(s));
    s.once('error', reject);
  });
  // Slow clients must not hold connections for ever (an API in front of tenants).
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  const address = server.address() as AddressInfo;
  options.log.info('REST API listening', { address: address.address, port: address.port, tokenSecret: `${options.namespace}/${options.tokenSecret ?? 'dnsfleet-api-tokens'}` });
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
