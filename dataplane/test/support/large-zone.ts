import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { RedisZoneStore } from '../../store/redis-store';

/**
 * A large zone for the stall benchmark and test (issue #9), and a way to put it into the store
 * from a worker thread: writing (and making) tens of megabytes of text blocks the thread that does
 * it for seconds, and the probe that measures the pod's answers must not be on that thread.
 */

/** A zone of about `records` records (SOA, NS, glue, then A and TXT pairs) as master-file text. */
export function largeZoneText(origin: string, records: number, serial: number): string {
  const parts = [`$ORIGIN ${origin}\n$TTL 3600\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n`];
  for (let i = 0; i < Math.floor((records - 3) / 2); i++) parts.push(`h${i} A 10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}\nh${i} TXT "record ${i}"\n`);
  return parts.join('');
}

interface PutJob {
  readonly url: string;
  readonly origin: string;
  readonly records: number;
  readonly serial: number;
}

/** Makes the zone and puts it into the store at `url` on a worker thread; resolves when it is written. */
export function putLargeZoneInWorker(job: PutJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: job });
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the worker putting ${job.origin} exited with ${code}`))));
  });
}

if (!isMainThread && parentPort) {
  const job = workerData as PutJob;
  const store = new RedisZoneStore(job.url);
  void store
    .putZone({ origin: job.origin, serial: job.serial, clouds: 'all', text: largeZoneText(job.origin, job.records, job.serial) })
    .then(() => store.close())
    .then(() => parentPort!.postMessage('done'));
}
