import { randomBytes } from 'node:crypto';
import { DnsfleetError } from '../../dataplane/dns/error';
import type { KubeClient } from '../kube/client';
import type { OwnedSecret, OwnerReference } from '../kube/owned-object';

/**
 * The fleet's key-encryption key (ADR 0015): 32 random octets (AES-256, NIST SP 800-38D), base64,
 * in the Secret `dnsfleet-key-encryption` (key `key`) of the operator's namespace. The operator
 * seals the private keys of every signing order with it before they go to the store; the control
 * server reads the same Secret through its env (`DNSFLEET_KEY_ENCRYPTION_KEY`, a secretKeyRef) to
 * open them. Created once; never overwritten, since every sealed order in the store and the
 * control server's env depend on it (two operator replicas racing: the create that loses reads
 * the winner's).
 */

export const KEK_SECRET = 'dnsfleet-key-encryption';
export const KEK_KEY = 'key';
export const KEK_ENV = 'DNSFLEET_KEY_ENCRYPTION_KEY';

export class KeyEncryptionKeyError extends DnsfleetError {}

/** The KEK Secret for `key` (base64 text of 32 octets). Pure. */
export function buildKekSecret(namespace: string, key: string, owner?: OwnerReference): OwnedSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: KEK_SECRET, namespace, labels: { 'app.kubernetes.io/name': 'dnsfleet', 'app.kubernetes.io/managed-by': 'dnsfleet-operator' }, ownerReferences: owner ? [owner] : [] },
    type: 'Opaque',
    data: { [KEK_KEY]: Buffer.from(key).toString('base64') },
  };
}

/** The 32 octets of a base64 KEK; throws `KeyEncryptionKeyError` (never showing the value) otherwise. */
export function decodeKek(text: string | undefined, where: string): Uint8Array {
  if (text === undefined) throw new KeyEncryptionKeyError(`Secret ${where} has no key "${KEK_KEY}"`, { secret: where });
  const octets = Buffer.from(text.trim(), 'base64');
  if (octets.length !== 32) throw new KeyEncryptionKeyError(`Secret ${where}: key "${KEK_KEY}" is ${octets.length} octets, not 32 (base64 of an AES-256 key)`, { secret: where, length: octets.length });
  return new Uint8Array(octets);
}

/** Reads the KEK, creating it first when there is none; read once, then kept. */
export class KeyEncryptionKey {
  private key: Promise<Uint8Array> | undefined;

  constructor(
    private readonly kube: KubeClient,
    readonly namespace: string,
    /** The installation (the operator's Deployment), when named: the Secret goes with it. */
    private readonly owner?: OwnerReference,
  ) {}

  get(): Promise<Uint8Array> {
    // A failed read is not kept: the next reconcile tries again.
    this.key ??= this.ensure().catch((err: unknown) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private async ensure(): Promise<Uint8Array> {
    const where = `${this.namespace}/${KEK_SECRET}`;
    const existing = await this.kube.readSecret(this.namespace, KEK_SECRET);
    if (existing) return decodeKek(existing[KEK_KEY], where);
    const made = randomBytes(32).toString('base64');
    if (await this.kube.createSecret(buildKekSecret(this.namespace, made, this.owner))) return decodeKek(made, where);
    // Another replica made it first: use its key.
    const theirs = await this.kube.readSecret(this.namespace, KEK_SECRET);
    return decodeKek(theirs?.[KEK_KEY], where);
  }
}
