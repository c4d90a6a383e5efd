import { setTimeout as sleep } from 'node:timers/promises';
import { query, rcodeOf } from '../../dataplane/testkit/dns-client';

/** The first A record of `name` from `host:port`, or what came instead (the rcode, or 'timeout'). */
export async function askA(host: string, port: number, name: string, timeoutMs = 1000): Promise<string> {
  try {
    const reply = await query(host, port, name, 'A', { timeoutMs });
    const a = reply.packet.answers?.find((r) => r.type === 'A') as { data?: string } | undefined;
    return a?.data ?? rcodeOf(reply);
  } catch {
    return 'timeout';
  }
}

/**
 * Asks `host:port` for `name` every `everyMs` until stopped; the tally of what came back. Each
 * query has a socket (and so a source port) of its own: a new flow that kube-proxy balances afresh.
 */
export function keepAsking(host: string, port: number, name: string, everyMs = 25): { stop(): Promise<Map<string, number>> } {
  const tally = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const answer = await askA(host, port, name);
      tally.set(answer, (tally.get(answer) ?? 0) + 1);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return tally;
    },
  };
}
