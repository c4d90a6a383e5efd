import type { ObjectMeta } from '../../crds/v1alpha1/meta';
import { DnsfleetError } from '../../dataplane/dns/error';
import { parseState } from '../../dataplane/dnssec/lifecycle';
import type { SigningRecord } from '../../dataplane/dnssec/zone-signing';
import type { KubeClient } from '../kube/client';
import type { OwnedSecret } from '../kube/owned-object';

/**
 * The Secret that holds one zone's `SigningRecord` (ADR 0015): the key lifecycle's state and the
 * private keys, owned by its Zone or SecondaryZone (controller owner reference, so it goes with
 * it). The operator is the only writer. A record is written BEFORE the step it decided is acted
 * on: a key generated now is in the Secret before its DNSKEY is handed to the signer, so a crash
 * between the two never publishes a key whose private part is lost.
 *
 * `KeyRecords` keeps the record last read or written per object, so a reconcile reads the Secret
 * only the first time (after a start or a takeover) and writes it only when the record changed.
 */

/** The label on every zone key Secret (`kubectl get secrets -l dnsfleet.io/dnssec-keys`). */
export const KEY_SECRET_LABEL = 'dnsfleet.io/dnssec-keys';
/** The Secret's one key. */
export const RECORD_KEY = 'record.json';

export class KeySecretError extends DnsfleetError {}

export function keySecretName(objectName: string): string {
  return `${objectName}-dnssec`;
}

/** The Secret for `record`, owned by the object. Pure. */
export function buildKeySecret(kind: 'Zone' | 'SecondaryZone', object: ObjectMeta & { name: string }, record: SigningRecord): OwnedSecret {
  const namespace = object.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: keySecretName(object.name),
      namespace,
      labels: { [KEY_SECRET_LABEL]: object.name, 'app.kubernetes.io/managed-by': 'dnsfleet-operator' },
      ownerReferences: [{ apiVersion: 'dnsfleet.io/v1alpha1', kind, name: object.name, uid: object.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    type: 'Opaque',
    data: { [RECORD_KEY]: Buffer.from(JSON.stringify(record)).toString('base64') },
  };
}

/** The record a Secret's (decoded) data holds; throws `KeySecretError` naming the Secret for anything else. */
export function parseRecord(data: Readonly<Record<string, string>>, where: string): SigningRecord {
  const text = data[RECORD_KEY];
  if (text === undefined) throw new KeySecretError(`Secret ${where} has no ${RECORD_KEY}`, { secret: where });
  try {
    const record = JSON.parse(text) as SigningRecord;
    if (record?.version !== 1 || typeof record.keys !== 'object' || record.keys === null) throw new Error('not a signing record of version 1');
    parseState(JSON.stringify(record.state));
    return record;
  } catch (err) {
    // Never the text: it holds private keys.
    throw new KeySecretError(`Secret ${where} does not hold a signing record: ${(err as Error).message.split('\n')[0]}`, { secret: where }, { cause: err });
  }
}

export class KeyRecords {
  /** `namespace/name` of the object → its uid and record (a recreated object starts afresh). */
  private readonly byKey = new Map<string, { readonly uid: string | undefined; readonly record: SigningRecord; readonly json: string }>();

  constructor(private readonly kube: KubeClient) {}

  /** The object's record: the one kept, else the Secret's, else undefined (none yet). */
  async read(kind: 'Zone' | 'SecondaryZone', object: ObjectMeta & { name: string }): Promise<SigningRecord | undefined> {
    const namespace = object.namespace ?? 'default';
    const kept = this.byKey.get(`${kind}/${namespace}/${object.name}`);
    if (kept && kept.uid === object.uid) return kept.record;
    const name = keySecretName(object.name);
    const data = await this.kube.readSecret(namespace, name);
    if (!data) return undefined;
    const record = parseRecord(data, `${namespace}/${name}`);
    this.byKey.set(`${kind}/${namespace}/${object.name}`, { uid: object.uid, record, json: JSON.stringify(record) });
    return record;
  }

  /** Writes the record when it differs from the one kept; true when it was written. */
  async write(kind: 'Zone' | 'SecondaryZone', object: ObjectMeta & { name: string }, record: SigningRecord): Promise<boolean> {
    const key = `${kind}/${object.namespace ?? 'default'}/${object.name}`;
    const json = JSON.stringify(record);
    const kept = this.byKey.get(key);
    if (kept && kept.uid === object.uid && kept.json === json) return false;
    await this.kube.applySecret(buildKeySecret(kind, object, record));
    this.byKey.set(key, { uid: object.uid, record, json });
    return true;
  }

  /** The record kept for the object, without a read (undefined when none is kept). */
  kept(kind: 'Zone' | 'SecondaryZone', namespace: string, name: string): SigningRecord | undefined {
    return this.byKey.get(`${kind}/${namespace}/${name}`)?.record;
  }

  forget(kind: 'Zone' | 'SecondaryZone', namespace: string, name: string): void {
    this.byKey.delete(`${kind}/${namespace}/${name}`);
  }
}
