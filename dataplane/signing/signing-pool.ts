import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DnsfleetError } from '../dns/error';
import type { Name } from '../dns/name';
import type { Zone } from '../zone/zone';
import { assembleSignedZone, planResign, planSigning, signJobs, type SignZoneOptions, type SigningPlan, type ZoneKey } from '../dnssec/signzone';
import type { SignBatch, SignedBatch } from './sign-worker';

/**
 * Worker threads that sign the jobs of a SigningPlan (dataplane/dnssec/signzone.ts) in parallel:
 * the plan (which RRsets, the data to sign) and the assembly of the signed zone stay in the
 * calling thread, pure; only the signatures are made elsewhere. A plan of fewer than
 * `inThreadBelow` jobs (a change re-signed, a small zone) is signed in the calling thread, which
 * is faster than a round trip to a worker. The threads keep the process alive: `close()` ends them.
 */

export class SigningPoolError extends DnsfleetError {}

export interface SigningPoolOptions {
  /** Worker threads; default the machine's available parallelism. */
  readonly threads?: number;
  /** Jobs per message to a worker (default 2048). */
  readonly batch?: number;
  /** Plans with fewer jobs are signed in the calling thread (default 4096). */
  readonly inThreadBelow?: number;
}

interface Pending {
  resolve(batch: SignedBatch): void;
  reject(err: Error): void;
}

export class SigningPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  readonly threads: number;
  private readonly batch: number;
  private readonly inThreadBelow: number;

  constructor(options: SigningPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.batch = options.batch ?? 2048;
    this.inThreadBelow = options.inThreadBelow ?? 4096;
  }

  private start(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(join(__dirname, 'sign-worker.js'));
      worker.on('message', (reply: SignedBatch) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.error !== undefined) p.reject(new SigningPoolError(`signing thread: ${reply.error}`));
        else p.resolve(reply);
      });
      worker.on('error', (err) => this.failAll(err));
      this.workers.push(worker);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(new SigningPoolError(`signing thread failed: ${err.message}`, {}, { cause: err }));
    this.pending.clear();
  }

  /** The signatures of `plan.jobs`, in order. */
  async sign(plan: SigningPlan): Promise<Uint8Array[]> {
    if (this.closed) throw new SigningPoolError('the signing pool is closed');
    if (plan.jobs.length < this.inThreadBelow) return signJobs(plan);
    this.start();
    const keys = plan.signers.map((s) => ({ pem: s.key.privateKeyPem, algorithm: s.key.algorithm }));
    const out: Uint8Array[] = new Array(plan.jobs.length);
    const sends: Array<Promise<void>> = [];
    let w = 0;
    for (let start = 0; start < plan.jobs.length; start += this.batch) {
      const end = Math.min(plan.jobs.length, start + this.batch);
      let size = 0;
      for (let i = start; i < end; i++) size += plan.jobs[i]!.data.length;
      const data = new Uint8Array(size);
      const offsets = new Uint32Array(end - start + 1);
      const signers = new Uint8Array(end - start);
      let p = 0;
      for (let i = start; i < end; i++) {
        const job = plan.jobs[i]!;
        data.set(job.data, p);
        p += job.data.length;
        offsets[i - start + 1] = p;
        signers[i - start] = job.signer;
      }
      const id = this.nextId++;
      const message: SignBatch = { id, keys, data, offsets, signers };
      const worker = this.workers[w++ % this.workers.length]!;
      sends.push(
        new Promise<SignedBatch>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          worker.postMessage(message, [data.buffer, offsets.buffer, signers.buffer]);
        }).then((reply) => {
          for (let i = 0; i < end - start; i++) out[start + i] = reply.signatures.subarray(reply.offsets[i]!, reply.offsets[i + 1]!);
        }),
      );
    }
    await Promise.all(sends);
    return out;
  }

  /**
   * Ends the threads once the batches sent to them are signed (up to `drainMs`): a thread
   * terminated in the middle of a signature can leave a lock of the process's OpenSSL held, and
   * the next key made or signature in any thread then waits for it forever.
   */
  async close(drainMs = 30_000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + drainMs;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    this.failAll(new Error('closed'));
  }
}

/** `signZone` with the signatures made by `pool`. */
export async function signZoneParallel(pool: SigningPool, zone: Zone, keys: readonly ZoneKey[], options: SignZoneOptions, previous?: Zone): Promise<Zone> {
  const plan = planSigning(zone, keys, options, previous);
  return assembleSignedZone(plan, await pool.sign(plan));
}

/** `resignChanged` with the signatures made by `pool` (in the calling thread for a small change). */
export async function resignChangedParallel(
  pool: SigningPool,
  signed: Zone,
  unsigned: Zone,
  changed: Iterable<Name>,
  keys: readonly ZoneKey[],
  options: Omit<SignZoneOptions, 'denial'>,
): Promise<Zone> {
  const plan = planResign(signed, unsigned, changed, keys, options) ?? planSigning(unsigned, keys, options, signed);
  return assembleSignedZone(plan, await pool.sign(plan));
}
