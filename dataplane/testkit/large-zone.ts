import { fork } from 'node:child_process';
import { RedisZoneStore } from '../store/redis-store';

/**
 * A large zone for the stall benchmark and test (issue #9), and a way to put it into the store
 * from a process of its own: making and writing tens of megabytes of text blocks the thread that
 * does it for seconds, and the probe that measures the pod's answers must not wait for that. (A
 * worker thread is not enough: the thread that started it joins it when it ends, and freeing the
 * worker's heap stalled the probe for a second and more.)
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

/** Makes the zone and puts it into the store at `url` in a child process; resolves when it is written. */
export function putLargeZone(job: PutJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [JSON.stringify(job)], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the process putting ${job.origin} exited with ${code}`))));
  });
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2] ?? '{}') as PutJob;
  const store = new RedisZoneStore(job.url);
  store
    .putZone({ origin: job.origin, serial: job.serial, clouds: 'all', text: largeZoneText(job.origin, job.records, job.serial) })
    .then(() => store.close())
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
