import { parseTsigKey, TsigKeyError } from '../dataplane/dns/tsig';
import type { KubeClient } from './kube/client';
import { step } from './reconcile-error';

/**
 * TSIG keys from Kubernetes Secrets (`name`, `algorithm`, `secret`), for every controller that
 * needs one: a SecondaryZone's key for its primaries and the keys of a zone's customer
 * secondaries. A missing or unusable Secret is a `problem` naming the Secret and the field, never
 * an error: nothing is let in or handed over without its key, and the status says why.
 *
 * The operator does not watch Secrets. A read is kept for `maxAgeMs`, so a reconcile that only
 * checks progress (every half second while pods catch up) asks the API server nothing; a
 * controller reads afresh when its object changed, and a zone waiting for a Secret looks again
 * every `SECRET_RECHECK_MS`, by which time the kept read has expired.
 */

/** A key's fields as the Secret holds them (`secret` in base64), as the store carries them. */
export interface TsigKeyFields {
  readonly name: string;
  readonly algorithm: string;
  readonly secret: string;
}

export type TsigSecret = { readonly ok: true; readonly key: TsigKeyFields } | { readonly ok: false; readonly problem: string };

/** How often a zone waiting for a Secret looks again: the operator does not watch Secrets. */
export const SECRET_RECHECK_MS = 30_000;
/** How long a read is kept; below SECRET_RECHECK_MS, so every recheck reads afresh. */
export const SECRET_MAX_AGE_MS = 20_000;

export class TsigSecrets {
  private readonly kept = new Map<string, { readonly at: number; readonly result: TsigSecret }>();

  constructor(
    private readonly kube: KubeClient,
    private readonly options: { readonly maxAgeMs?: number; readonly now?: () => number } = {},
  ) {}

  /** The key in Secret `namespace/name`; `fresh` reads it even when a recent read is kept. */
  async read(namespace: string, name: string, fresh = false): Promise<TsigSecret> {
    const id = `${namespace}/${name}`;
    const now = (this.options.now ?? Date.now)();
    const kept = this.kept.get(id);
    if (!fresh && kept && now - kept.at < (this.options.maxAgeMs ?? SECRET_MAX_AGE_MS)) return kept.result;
    const data = await step(`read Secret ${id}`, () => this.kube.readSecret(namespace, name));
    const result = tsigSecretOf(id, data);
    this.kept.set(id, { at: now, result });
    return result;
  }
}

/** The key in a Secret's decoded `data`, or why there is none. Pure. */
export function tsigSecretOf(id: string, data: Readonly<Record<string, string>> | undefined): TsigSecret {
  if (!data) return { ok: false, problem: `Secret ${id} not found` };
  try {
    parseTsigKey(data, `Secret ${id}`);
  } catch (err) {
    if (!(err instanceof TsigKeyError)) throw err;
    return { ok: false, problem: err.message };
  }
  return { ok: true, key: { name: data.name!, algorithm: data.algorithm!, secret: data.secret! } };
}
