import { RedisZoneStore } from '../store/redis-store';
import { runCloud, type RunningCloud } from '../cloud/run-cloud';
import { runControl, type RunningControl } from '../control/run-control';
import type { Logger } from '../log/log';
import { freePort, start, waitFor } from './processes';

/**
 * The dataplane as a cluster runs it, in this process, for tests of secondary zones: a Redis of
 * its own, the control server (`--role control`, pulling secondary zones) and one pod of each of
 * two clouds, plus a store handle for the test to play the operator with.
 */
export interface TestDataplane {
  readonly redisUrl: string;
  /** The operator's side of the store: secondary zone configurations in, state out. */
  readonly writer: RedisZoneStore;
  readonly control: RunningControl;
  readonly clouds: readonly RunningCloud[];
  /** The control server's DNS port (where primaries send NOTIFY). */
  readonly controlPort: number;
  stop(): Promise<void>;
}

export async function startTestDataplane(log: Logger, options: { reportEveryMs?: number } = {}): Promise<TestDataplane> {
  const port = await freePort();
  const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()));
  const redisUrl = `redis://127.0.0.1:${port}`;
  const writer = new RedisZoneStore(redisUrl);
  const controlPort = await freePort();
  const common = { http: { host: '127.0.0.1', port: 0 }, log, ...(options.reportEveryMs ? { reportEveryMs: options.reportEveryMs } : {}) };
  const control = await runControl({ ...common, pod: 'control-0', store: new RedisZoneStore(redisUrl), listen: [{ host: '127.0.0.1', port: controlPort }] });
  const clouds: RunningCloud[] = [];
  for (const cloud of ['cloud-a', 'cloud-b']) clouds.push(await runCloud({ ...common, cloud, pod: `${cloud}-0`, store: new RedisZoneStore(redisUrl), listen: [{ host: '127.0.0.1', port: 0 }] }));
  return {
    redisUrl,
    writer,
    control,
    clouds,
    controlPort,
    stop: async () => {
      await control.stop();
      for (const c of clouds) await c.stop();
      await writer.close();
      await redis.stop();
    },
  };
}
