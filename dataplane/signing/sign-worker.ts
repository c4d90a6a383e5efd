import { parentPort } from 'node:worker_threads';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { signBytes } from '../dnssec/rrsig';

/**
 * A signing thread of the SigningPool (signing-pool.ts): takes a batch of packed data to sign,
 * answers with the packed signatures. Keys arrive as PKCS#8 PEM with each batch and are read
 * once per thread.
 */

export interface SignBatch {
  readonly id: number;
  /** PKCS#8 PEM and algorithm of each signer; `signers[i]` indexes this. */
  readonly keys: ReadonlyArray<{ readonly pem: string; readonly algorithm: number }>;
  /** All the data, one after the other; job i is `data[offsets[i]..offsets[i+1])`. */
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly signers: Uint8Array;
}

export interface SignedBatch {
  readonly id: number;
  readonly signatures: Uint8Array;
  readonly offsets: Uint32Array;
  readonly error?: string;
}

const keys = new Map<string, KeyObject>();

function keyOf(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) keys.set(pem, (key = createPrivateKey(pem)));
  return key;
}

parentPort!.on('message', (batch: SignBatch) => {
  try {
    const count = batch.signers.length;
    const parts: Uint8Array[] = new Array(count);
    let total = 0;
    for (let i = 0; i < count; i++) {
      const k = batch.keys[batch.signers[i]!]!;
      const sig = signBytes(k.algorithm, keyOf(k.pem), batch.data.subarray(batch.offsets[i]!, batch.offsets[i + 1]!));
      parts[i] = sig;
      total += sig.length;
    }
    const signatures = new Uint8Array(total);
    const offsets = new Uint32Array(count + 1);
    let p = 0;
    for (let i = 0; i < count; i++) {
      signatures.set(parts[i]!, p);
      p += parts[i]!.length;
      offsets[i + 1] = p;
    }
    const reply: SignedBatch = { id: batch.id, signatures, offsets };
    parentPort!.postMessage(reply, [signatures.buffer, offsets.buffer]);
  } catch (err) {
    const reply: SignedBatch = { id: batch.id, signatures: new Uint8Array(0), offsets: new Uint32Array(0), error: String(err) };
    parentPort!.postMessage(reply);
  }
});
