import type { Name } from '../name';
import { RRClass, classToString, typeToString } from '../constants';
import { rdataToText } from '../rdata/registry';

/**
 * Writes records as master-file text (RFC 1035 §5) that `readZoneFile` reads back to the same
 * records: a `$ORIGIN` line, then one record per line with every field written out (owner
 * relative to the origin where it can be, TTL, class, type, rdata), so no default of the reader
 * comes into play. Records keep the order they are given in.
 */

export interface WritableRecord {
  readonly owner: Name;
  readonly ttl: number;
  /** IN when left out. */
  readonly class?: number;
  readonly type: number;
  readonly rdata: Uint8Array;
}

export interface WriteOptions {
  /** Written as `$ORIGIN`; owners at or below it are written relative to it. */
  readonly origin: Name;
}

export function writeZoneFile(records: Iterable<WritableRecord>, options: WriteOptions): string {
  const chunks: string[] = [];
  writeZoneFileChunks(records, options, (chunk) => chunks.push(chunk));
  return chunks.join('');
}

/**
 * `writeZoneFile` handed out in chunks of about `chunkSize` characters as they fill (the text of
 * a zone of millions of records is never one string, nor an array of millions of lines). The
 * chunks joined are `writeZoneFile`'s text. 64 KiB by default: a chunk is a string of many
 * small ones until it is written, and a larger one outlives young-generation collections, which
 * then copy it (1 MiB chunks cost twice the CPU of 64 KiB ones, measured on 100,000 records).
 */
export function writeZoneFileChunks(records: Iterable<WritableRecord>, options: WriteOptions, write: (chunk: string) => void, chunkSize = 1 << 16): void {
  const origin = options.origin;
  let chunk = `$ORIGIN ${origin.toString()}\n`;
  // Records of one owner come one after another: its text is made once.
  let lastOwner: Name | undefined;
  let ownerText = '';
  for (const record of records) {
    if (record.owner !== lastOwner) {
      lastOwner = record.owner;
      ownerText = record.owner.toRelativeString(origin);
    }
    chunk += lineWithOwner(ownerText, record) + '\n';
    if (chunk.length >= chunkSize) {
      write(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) write(chunk);
}

/** One record as one master-file line, owner relative to `origin` (`@` for the origin itself). */
export function recordLine(record: WritableRecord, origin: Name): string {
  return lineWithOwner(record.owner.toRelativeString(origin), record);
}

function lineWithOwner(owner: string, record: WritableRecord): string {
  const cls = classToString(record.class ?? RRClass.IN);
  // A record line needs rdata tokens; RFC 3597 §5 allows `\# 0` for any type with empty rdata.
  const rdata = rdataToText(record.type, record.rdata) || '\\# 0';
  return `${owner}\t${record.ttl}\t${cls}\t${typeToString(record.type)}\t${rdata}`;
}
