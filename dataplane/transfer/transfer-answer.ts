import type { Name } from '../dns/name';
import { RRClass, RRType, typeToString } from '../dns/constants';
import type { WireRecord } from '../dns/message-reader';
import { soaSerial } from '../zone/zone';
import { serialCompare } from '../zone/serial';
import { TransferError, type TransferErrorCode } from './errors';

/**
 * Reads the answer records of an AXFR (RFC 5936) or IXFR (RFC 1995) response, message by
 * message, and says when the transfer is complete. Pure: the client feeds it what arrives.
 *
 * An IXFR response comes in one of three forms (RFC 1995 §4):
 * - one SOA, no newer than ours: we are up to date;
 * - incremental: the new SOA, then difference sequences `old SOA, deleted…, new SOA, added…`,
 *   ending with the new SOA again;
 * - AXFR-style: the new SOA, the whole zone, the new SOA again (a server without a journal).
 */

export interface Difference {
  readonly fromSerial: number;
  readonly toSerial: number;
  /** The SOA records are in here too: the old one removed, the new one added. */
  readonly removed: WireRecord[];
  readonly added: WireRecord[];
}

export type TransferContent =
  | { readonly kind: 'axfr'; readonly serial: number; readonly records: readonly WireRecord[] }
  | { readonly kind: 'ixfr'; readonly serial: number; readonly differences: readonly Difference[] }
  | { readonly kind: 'up-to-date'; readonly serial: number };

type State = 'first' | 'second' | 'axfr' | 'removing' | 'adding' | 'done';

export interface AnswerContext {
  readonly zone: Name;
  readonly primary: string;
  readonly operation: 'AXFR' | 'IXFR';
  /** Our serial, for IXFR. */
  readonly haveSerial?: number;
}

export class TransferAnswer {
  private state: State = 'first';
  private serial = 0;
  private firstSoa: WireRecord | undefined;
  private readonly records: WireRecord[] = [];
  private readonly differences: Difference[] = [];
  private current: Difference | undefined;
  private upToDate = false;
  private messageNumber = 0;
  /** Records read so far, all forms together. */
  recordCount = 0;

  constructor(private readonly context: AnswerContext) {}

  get complete(): boolean {
    return this.state === 'done';
  }

  /** Feeds the answer section of the next message; returns true when the transfer is complete. */
  addMessage(answer: readonly WireRecord[]): boolean {
    this.messageNumber++;
    if (this.state === 'done') this.fail('unexpected-soa', `${answer.length} more records after the transfer ended`);
    // RFC 5936 §2.2: the first message starts with the SOA; an empty one cannot.
    if (this.messageNumber === 1 && answer.length === 0) this.fail('no-soa', 'the first message has no answer records');
    for (let i = 0; i < answer.length; i++) {
      if (this.complete) {
        this.fail('unexpected-soa', `${answer.length - i} records after the closing SOA (RFC 5936 §2.2)`);
      }
      this.addRecord(answer[i]!);
    }
    // RFC 1995 §4: one SOA alone, not newer than ours, means we are up to date.
    if (this.messageNumber === 1 && this.state === 'second' && this.context.operation === 'IXFR') {
      if (this.context.haveSerial !== undefined && serialCompare(this.serial, this.context.haveSerial) <= 0) {
        this.upToDate = true;
        this.state = 'done';
      } else {
        this.fail('bad-ixfr', `a single SOA with serial ${this.serial}, newer than ours (${this.context.haveSerial}), and nothing else`);
      }
    }
    return this.state === 'done';
  }

  /** What was transferred; only once `complete`. */
  content(): TransferContent {
    if (this.state !== 'done') throw new Error('TransferAnswer.content() before the transfer is complete');
    if (this.upToDate) return { kind: 'up-to-date', serial: this.serial };
    if (this.differences.length > 0) return { kind: 'ixfr', serial: this.serial, differences: this.differences };
    return { kind: 'axfr', serial: this.serial, records: this.records };
  }

  private addRecord(record: WireRecord): void {
    this.recordCount++;
    const { zone } = this.context;
    const isSoa = record.type === RRType.SOA;
    if (this.state === 'first') {
      // RFC 5936 §2.2, RFC 1995 §4: the first record is the zone's SOA.
      if (!isSoa || record.owner.key !== zone.key) {
        this.fail('not-soa-first', `the first record is ${record.owner} ${typeToString(record.type)}, not the SOA of ${zone}`);
      }
      this.firstSoa = record;
      this.serial = soaSerial(record.rdata);
      this.state = 'second';
      return;
    }
    if (!record.owner.isSubdomainOf(zone)) this.fail('out-of-zone', `${record.owner} ${typeToString(record.type)} is not in zone ${zone}`);
    if (record.class !== RRClass.IN) this.fail('out-of-zone', `${record.owner} ${typeToString(record.type)} has class ${record.class}, not IN`);
    if (isSoa && record.owner.key !== zone.key) this.fail('unexpected-soa', `an SOA at ${record.owner}, below the apex`);
    const serial = isSoa ? soaSerial(record.rdata) : 0;
    switch (this.state) {
      case 'second':
        if (isSoa && this.context.operation === 'IXFR' && this.context.haveSerial !== undefined && serial === this.context.haveSerial && serial !== this.serial) {
          // RFC 1995 §4: an old SOA right after the first one starts the difference sequences.
          this.startDifference(record, serial);
          return;
        }
        this.records.push(this.firstSoa!);
        this.state = 'axfr';
        return this.addAxfrRecord(record, serial);
      case 'axfr':
        return this.addAxfrRecord(record, serial);
      case 'removing':
        if (isSoa) {
          // The new SOA of this sequence: what follows is added.
          const current = this.current!;
          (current as { toSerial: number }).toSerial = serial;
          if (serialCompare(serial, current.fromSerial) <= 0) {
            this.fail('bad-ixfr', `a difference sequence from serial ${current.fromSerial} to ${serial}, which is not newer`);
          }
          current.added.push(record);
          this.state = 'adding';
          return;
        }
        this.current!.removed.push(record);
        return;
      case 'adding':
        if (isSoa) {
          const previous = this.current!.toSerial;
          if (serial === this.serial && previous === this.serial) {
            this.state = 'done';
            return;
          }
          // RFC 1995 §4: each sequence starts where the one before it ended.
          if (serial !== previous) this.fail('bad-ixfr', `a difference sequence starts at serial ${serial} where the previous one ended at ${previous}`);
          this.startDifference(record, serial);
          return;
        }
        this.current!.added.push(record);
        return;
      default:
        throw new Error(`TransferAnswer: record in state ${this.state}`);
    }
  }

  private addAxfrRecord(record: WireRecord, serial: number): void {
    if (record.type === RRType.SOA) {
      // RFC 5936 §2.2: the last record is the SOA again, and there is no other SOA.
      if (serial !== this.serial) this.fail('unexpected-soa', `an SOA with serial ${serial} inside a transfer of serial ${this.serial}`);
      this.state = 'done';
      return;
    }
    this.records.push(record);
  }

  private startDifference(oldSoa: WireRecord, serial: number): void {
    this.current = { fromSerial: serial, toSerial: serial, removed: [oldSoa], added: [] };
    this.differences.push(this.current);
    this.state = 'removing';
  }

  private fail(code: TransferErrorCode, detail: string): never {
    throw new TransferError(code, this.context.primary, this.context.zone.toString(), this.context.operation, detail, this.messageNumber);
  }
}
