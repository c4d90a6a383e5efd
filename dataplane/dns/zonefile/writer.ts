import type { Name } from '../name';
import { classToString, typeToString } from '../constants';
import { rdataToText } from '../rdata/registry';

/** Writes records as master-file text (RFC 1035 §5) that `readZoneFile` reads back to the same records. */
export interface WritableRecord {
  readonly owner: Name;
  readonly ttl: number;
  readonly class?: number;
  readonly type: number;
  readonly rdata: Uint8Array;
}

export function writeZoneFile(records: Iterable<WritableRecord>, options: { origin: Name }): string {
  const lines = [`$ORIGIN ${options.origin}`];
  for (const r of records) {
    lines.push(`${r.owner.toRelativeString(options.origin)}\t${r.ttl}\t${classToString(r.class ?? 1)}\t${typeToString(r.type)}\t${rdataToText(r.type, r.rdata)}`);
  }
  return lines.join('\n') + '\n';
}
