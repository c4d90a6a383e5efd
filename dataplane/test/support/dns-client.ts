import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';

/**
 * A small DNS client for tests. It decodes with the npm package dns-packet on purpose: answers
 * are read by a codec we did not write, so our own codec cannot hide its mistakes.
 */

export interface QueryOptions {
  readonly tcp?: boolean;
  /** EDNS UDP payload size; null sends no OPT record. Default 1232. */
  readonly edns?: number | null;
  readonly dnssecOk?: boolean;
  readonly timeoutMs?: number;
}

export interface Reply {
  readonly raw: Buffer;
  readonly packet: dnsPacket.Packet;
}

let nextId = 1;

export function buildQuery(name: string, type: string, options: QueryOptions = {}): Buffer {
  const edns = options.edns === undefined ? 1232 : options.edns;
  nextId = (nextId % 65535) + 1;
  return dnsPacket.encode({
    id: nextId,
    type: 'query',
    flags: 0,
    questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
    additionals:
      edns === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns, flags: options.dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.Answer],
  } as dnsPacket.Packet);
}

export async function query(host: string, port: number, name: string, type: string, options: QueryOptions = {}): Promise<Reply> {
  const msg = buildQuery(name, type, options);
  const raw = options.tcp ? await exchangeTcp(host, port, msg, options.timeoutMs) : await exchangeUdp(host, port, msg, options.timeoutMs);
  return { raw, packet: dnsPacket.decode(raw) };
}

export function exchangeUdp(host: string, port: number, msg: Uint8Array, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (reply) => {
      if (reply.length >= 2 && reply[0] === msg[0] && reply[1] === msg[1]) {
        clearTimeout(timer);
        socket.close();
        resolve(reply);
      }
    });
    socket.send(msg, port, host);
  });
}

/** Sends messages on one TCP connection (pipelined) and collects `expected` framed replies. */
export function exchangeTcpMany(host: string, port: number, msgs: readonly Uint8Array[], expected: number, timeoutMs = 5000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${replies.length} of ${expected} TCP replies from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      for (const m of msgs) {
        const framed = Buffer.alloc(m.length + 2);
        framed.writeUInt16BE(m.length, 0);
        framed.set(m, 2);
        socket.write(framed);
      }
    });
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const len = pending.readUInt16BE(0);
        replies.push(pending.subarray(2, 2 + len));
        pending = pending.subarray(2 + len);
      }
      if (replies.length >= expected) {
        clearTimeout(timer);
        socket.destroy();
        resolve(replies);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function exchangeTcp(host: string, port: number, msg: Uint8Array, timeoutMs = 3000): Promise<Buffer> {
  const [reply] = await exchangeTcpMany(host, port, [msg], 1, timeoutMs);
  return reply!;
}

/** One line per record, comparable across servers: owner folded, TTL, type, data as JSON with hex. */
export function normalizeRecords(records: readonly dnsPacket.Answer[] | undefined): string[] {
  return (records ?? [])
    .filter((r) => r.type !== 'OPT')
    .map((r) => {
      const rec = r as dnsPacket.Answer & { ttl?: number; data?: unknown };
      return `${rec.name.toLowerCase()} ${rec.ttl ?? ''} ${rec.type} ${JSON.stringify(rec.data, (_k, v: unknown) => hexify(v))}`;
    })
    .sort();
}

function hexify(v: unknown): unknown {
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('hex');
  }
  if (typeof v === 'string') return v.toLowerCase();
  return v;
}

export function rcodeOf(reply: Reply): string {
  return (reply.packet as { rcode?: string }).rcode ?? "NOERROR";
}

export function flagsOf(reply: Reply): { aa: boolean; tc: boolean } {
  const flags = reply.packet.flags ?? 0;
  return { aa: (flags & dnsPacket.AUTHORITATIVE_ANSWER) !== 0, tc: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0 };
}
