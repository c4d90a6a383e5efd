import { isDeepStrictEqual } from 'node:util';
import type { KubeClient } from './client';
import type { OwnedObject } from './owned-object';

/**
 * Server-side apply of an unchanged object changes nothing on the server, but it is still one
 * PATCH per object per reconcile, and a cloud that is starting is reconciled every 2 s. This
 * remembers what was last applied, so an object is sent only when the builders produce something
 * new, or when the last apply is older than `refreshMs`: nothing watches the owned objects, so
 * the periodic apply is what puts back a Deployment someone edited or deleted.
 *
 * A failed apply is not remembered (the next reconcile sends it again).
 */
export class AppliedObjects {
  private readonly last = new Map<string, { readonly object: OwnedObject; readonly at: number }>();

  constructor(
    private readonly kube: KubeClient,
    private readonly refreshMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Applies `object` unless the same object was applied less than `refreshMs` ago; true when it was sent. */
  async apply(object: OwnedObject): Promise<boolean> {
    const key = keyOf(object.kind, object.metadata.namespace, object.metadata.name);
    const last = this.last.get(key);
    if (last && this.now() - last.at < this.refreshMs && isDeepStrictEqual(last.object, object)) return false;
    await this.kube.apply(object);
    this.last.set(key, { object: structuredClone(object), at: this.now() });
    return true;
  }

  /** Forgets an object (its owner is gone): one made again is applied at once. */
  forget(kind: string, namespace: string, name: string): void {
    this.last.delete(keyOf(kind, namespace, name));
  }
}

function keyOf(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
