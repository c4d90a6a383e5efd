import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { readMessage, type Message } from '../dns/message-reader';
import { MessageWriter } from '../dns/message-writer';
import { Flag } from '../dns/message';
import type { Name } from '../dns/name';

/**
 * A scripted primary for transfer tests, on a free loopback port, TCP and UDP: each query is
 * read with our message reader and handed to a script that decides what goes back, so tests can
 * send well-formed answers, garbage, half a message, or nothing at all.
 */

export interface AnswerRecord {
  readonly owner: Name;
  readonly type: number;
  readonly ttl: number;
  readonly rdata: Uint8Array;
}

export interface Exchange {
  readonly query: Message;
  readonly raw: Uint8Array;
  readonly transport: 'udp' | 'tcp';
  /** Sends one DNS message (framed on TCP). */
  send(message: Uint8Array): void;
  /** Sends raw octets as they are (TCP only), e.g. half a frame. */
  sendRaw(bytes: Uint8Array): void;
  /** Closes the TCP connection. */
  close(): void;
}

export type Script = (exchange: Exchange) => void;

export interface FakePrimary {
  readonly address: string;
  readonly port: number;
  /** Queries received so far. */
  readonly queries: Message[];
  stop(): Promise<void>;
}

export async function startFakePrimary(script: Script): Promise<FakePrimary> {
  const address = '127.0.0.1';
  const queries: Message[] = [];
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const raw = new Uint8Array(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + raw.length);
        const query = readMessage(raw);
        queries.push(query);
        script({
          query,
          raw,
          transport: 'tcp',
          send: (m) => {
            const framed = Buffer.alloc(2 + m.length);
            framed.writeUInt16BE(m.length);
            framed.set(m, 2);
            if (!socket.destroyed) socket.write(framed);
          },
          sendRaw: (b) => void (socket.destroyed || socket.write(b)),
          close: () => socket.end(),
        });
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, address, resolve));
  const port = (tcp.address() as net.AddressInfo).port;
  const udp = dgram.createSocket('udp4');
  udp.on('message', (raw, from) => {
    const query = readMessage(new Uint8Array(raw));
    queries.push(query);
    script({
      query,
      raw: new Uint8Array(raw),
      transport: 'udp',
      send: (m) => udp.send(m, from.port, from.address),
      sendRaw: () => undefined,
      close: () => undefined,
    });
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, address, () => resolve());
  });
  return {
    address,
    port,
    queries,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

/** An answer to `query` with its question and these answer records. */
export function answer(query: Message, records: readonly AnswerRecord[], options: { rcode?: number; aa?: boolean; tc?: boolean; id?: number; question?: boolean } = {}): Uint8Array {
  const flags = (options.aa === false ? 0 : Flag.AA) | (options.tc ? Flag.TC : 0) | (options.rcode ?? 0);
  const w = new MessageWriter(options.id ?? query.id, flags, 65535);
  const q = query.questions[0]!;
  if (options.question !== false) w.writeQuestion(q.name, q.type, q.class);
  for (const r of records) w.writeRecord(1, r.owner, r.type, r.ttl, r.rdata);
  return w.finish();
}
