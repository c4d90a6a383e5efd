import type { DnsfleetKind, KindTypes, KubeClient } from '../kube/client';

/**
 * An informer's cache for unit tests of the controllers: the objects of one kind as the watch has
 * delivered them, so a test sees what a controller sees when its cache lags a write (the fake
 * delivers watch events after the write returned; `FakeKubeClient.settle()` waits for them).
 */
export interface FakeCache<K extends DnsfleetKind> {
  /** The object as the cache holds it (what the controllers' `zone`/`secondaryZone` option returns). */
  readonly get: (namespace: string, name: string) => KindTypes[K] | undefined;
  /** While frozen, watch events are not applied (a cache that lags the API server). */
  freeze(frozen: boolean): void;
}

export async function watchCache<K extends DnsfleetKind>(kube: KubeClient, kind: K): Promise<FakeCache<K>> {
  const objects = new Map<string, KindTypes[K]>();
  let frozen = false;
  const key = (o: KindTypes[K]): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
  await kube.watch(kind, {
    onChange: (o) => void (frozen || objects.set(key(o), o)),
    onDelete: (o) => void (frozen || objects.delete(key(o))),
    onError: () => undefined,
  });
  return {
    get: (namespace, name) => objects.get(`${namespace}/${name}`),
    freeze: (f) => void (frozen = f),
  };
}
