import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { DnsfleetError } from '../dns/error';

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
  /** Local address to send from, e.g. 127.0.0.2 to test address ACLs. */
  readonly source?: string;
}

export interface Reply {
  readonly raw: Buffer;
  readonly packet: dnsPacket.Packet;
}

/** A query type that cannot be encoded, or a reply that did not come. */
export class DnsClientError extends DnsfleetError {
  override name = 'DnsClientError';
}

/**
 * Types dns-packet 5.6 has no mnemonic for. Its `toType` silently returns 0 for names it does not
 * know (HTTPS, SVCB, TYPEnnn), which would ask for type 0 and make a test pass for nothing.
 */
const EXTRA_TYPES: Readonly<Record<string, number>> = { SVCB: 64, HTTPS: 65 };

function extraTypeCode(type: string): number | undefined {
  const upper = type.toUpperCase();
  const generic = /^TYPE(\d{1,5})$/.exec(upper);
  if (generic) {
    const code = Number(generic[1]);
    if (code > 0xffff) throw new DnsClientError(`query type ${type} is out of range`, { type });
    return code;
  }
  return EXTRA_TYPES[upper];
}

/** Offset of the QTYPE field in a message with one question (after header and QNAME). */
function qtypeOffset(msg: Buffer): number {
  let i = 12;
  while (msg[i] !== 0) {
    if (i >= msg.length) throw new DnsClientError('malformed question in our own query', { length: msg.length });
    i += msg[i]! + 1;
  }
  return i + 1;
}

let nextId = 1;

export function buildQuery(name: string, type: string, options: QueryOptions = {}): Buffer {
  const edns = options.edns === undefined ? 1232 : options.edns;
  const extra = extraTypeCode(type);
  nextId = (nextId % 65535) + 1;
  const msg = dnsPacket.encode({
    id: nextId,
    type: 'query',
    flags: 0,
    // A type dns-packet does not know is encoded as A first and patched below.
    questions: [{ name, type: (extra === undefined ? type : 'A') as dnsPacket.RecordType, class: 'IN' }],
    additionals:
      edns === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns, flags: options.dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.Answer],
  } as dnsPacket.Packet);
  const at = qtypeOffset(msg);
  if (extra !== undefined) msg.writeUInt16BE(extra, at);
  else if (msg.readUInt16BE(at) === 0) throw new DnsClientError(`dns-packet does not know the query type ${type}; write it as TYPEnnn`, { name, type });
  return msg;
}

export async function query(host: string, port: number, name: string, type: string, options: QueryOptions = {}): Promise<Reply> {
  const msg = buildQuery(name, type, options);
  const raw = options.tcp
    ? await exchangeTcp(host, port, msg, options.timeoutMs, options.source)
    : await exchangeUdp(host, port, msg, options.timeoutMs, options.source);
  return { raw, packet: dnsPacket.decode(raw) };
}

export function exchangeUdp(host: string, port: number, msg: Uint8Array, timeoutMs = 3000, source?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const finish = (err: Error | null, reply?: Buffer): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => finish(new DnsClientError(`no UDP answer from ${host}:${port} within ${timeoutMs} ms`, { host, port, timeoutMs })),
      timeoutMs,
    );
    socket.on('error', (err) => finish(err));
    socket.on('message', (reply) => {
      // A reply to an earlier, timed-out query may still arrive: match the ID.
      if (reply.length >= 2 && reply[0] === msg[0] && reply[1] === msg[1]) finish(null, reply);
    });
    if (source) socket.bind(0, source, () => socket.send(msg, port, host));
    else socket.send(msg, port, host);
  });
}

/**
 * Sends messages on one TCP connection (pipelined) and collects framed replies: `expected` of
 * them, or until `expected(reply)` says the last one came (e.g. the closing SOA of an AXFR).
 */
export function exchangeTcpMany(
  host: string,
  port: number,
  msgs: readonly Uint8Array[],
  expected: number | ((reply: Buffer) => boolean),
  timeoutMs = 5000,
  source?: string,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(source ? { port, host, localAddress: source } : { port, host });
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const wanted = typeof expected === 'number' ? String(expected) : 'the expected';
    const shortBy = (why: string): DnsClientError =>
      new DnsClientError(`only ${replies.length} of ${wanted} TCP replies from ${host}:${port}: ${why}`, { host, port, expected: wanted, received: replies.length });
    const timer = setTimeout(() => finish(shortBy(`none more within ${timeoutMs} ms`)), timeoutMs);
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
        const reply = pending.subarray(2, 2 + len);
        replies.push(reply);
        pending = pending.subarray(2 + len);
        if (typeof expected === 'function' ? expected(reply) : replies.length >= expected) return finish(null);
      }
    });
    socket.on('close', () => finish(shortBy('the server closed the connection')));
    socket.on('error', (err) => finish(err));
  });
}

export async function exchangeTcp(host: string, port: number, msg: Uint8Array, timeoutMs = 3000, source?: string): Promise<Buffer> {
  const [reply] = await exchangeTcpMany(host, port, [msg], 1, timeoutMs, source);
  return reply!;
}

/** Types whose whole rdata is one domain name. */
const NAME_RDATA = new Set(['NS', 'CNAME', 'DNAME', 'PTR']);
/** Domain-name fields inside the rdata objects dns-packet decodes. */
const NAME_FIELDS: Readonly<Record<string, readonly string[]>> = {
  MX: ['exchange'],
  SRV: ['target'],
  SOA: ['mname', 'rname'],
  NAPTR: ['replacement'],
};

/**
 * One line per record, comparable across servers: `owner class TTL type rdata`. Domain names
 * (the owner and names inside rdata) are compared case-insensitively (RFC 4343); every other
 * string keeps its case, character-strings are shown in zone-file form, binary fields as hex,
 * types dns-packet does not know as RFC 3597 generic rdata.
 */
export function normalizeRecords(records: readonly dnsPacket.Answer[] | undefined): string[] {
  return (records ?? [])
    .filter((r) => r.type !== 'OPT')
    .map((r) => {
      const rec = r as { name: string; type: string; class?: string; ttl?: number; data?: unknown };
      const type = rec.type.startsWith('UNKNOWN_') ? `TYPE${rec.type.slice(8)}` : rec.type;
      return `${rec.name.toLowerCase()} ${rec.class ?? 'IN'} ${rec.ttl ?? ''} ${type} ${renderRdata(type, rec.data)}`;
    })
    .sort();
}

function renderRdata(type: string, data: unknown): string {
  if (NAME_RDATA.has(type) && typeof data === 'string') return data.toLowerCase();
  if (type === 'TXT' && Array.isArray(data)) return data.map((s) => quoted(Buffer.from(s as Uint8Array))).join(' ');
  if (Buffer.isBuffer(data)) return `\\# ${data.length} ${data.toString('hex')}`;
  const names = NAME_FIELDS[type] ?? [];
  return JSON.stringify(data, (key: string, v: unknown) => {
    if (names.includes(key) && typeof v === 'string') return v.toLowerCase();
    if (isSerialisedBuffer(v)) return Buffer.from(v.data).toString('hex');
    return v;
  });
}

function isSerialisedBuffer(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}

/** A character-string in zone-file form: printable ASCII as is, `"` and `\` escaped, the rest \DDD. */
function quoted(octets: Buffer): string {
  let out = '"';
  for (const o of octets) {
    if (o === 0x22 || o === 0x5c) out += `\\${String.fromCharCode(o)}`;
    else if (o >= 0x20 && o < 0x7f) out += String.fromCharCode(o);
    else out += `\\${String(o).padStart(3, '0')}`;
  }
  return `${out}"`;
}

export function rcodeOf(reply: Reply): string {
  return (reply.packet as { rcode?: string }).rcode ?? 'NOERROR';
}

export function flagsOf(reply: Reply): { aa: boolean; tc: boolean } {
  const flags = reply.packet.flags ?? 0;
  return { aa: (flags & dnsPacket.AUTHORITATIVE_ANSWER) !== 0, tc: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0 };
}
