/**
 * Rdata copied into shared slabs: each record's rdata is a view into a 256 KiB ArrayBuffer shared
 * with its neighbours, instead of an ArrayBuffer of its own. In V8 every ArrayBuffer costs an
 * object of about 88 octets on the heap, and one above 64 octets (an RRSIG) a separate
 * allocation outside it besides; a signed zone of 4,000,000 records saves about 0.5 GiB
 * (docs/benchmarks.md, "A signed 1,000,000-name zone in memory").
 *
 * The price: a slab stays in memory while any record in it does, so a zone that loses most of
 * its records over many updates keeps some of their octets until it is loaded again. Views are
 * read-only by convention, as all rdata in a Zone is; nothing transfers or detaches their buffer.
 */
export class RdataSlab {
  private buffer = new ArrayBuffer(0);
  private used = 0;

  constructor(private readonly size = 256 * 1024) {}

  /** `head` then `tail` in one view: an RRSIG's rdata, its header and the signature (RFC 4034 §3.1). */
  join(head: Uint8Array, tail: Uint8Array): Uint8Array {
    const view = this.alloc(head.length + tail.length);
    view.set(head, 0);
    view.set(tail, head.length);
    return view;
  }

  /** A copy of `bytes` in the current slab (or its own buffer when larger than a sixteenth of one). */
  copy(bytes: Uint8Array): Uint8Array {
    const view = this.alloc(bytes.length);
    view.set(bytes);
    return view;
  }

  private alloc(length: number): Uint8Array {
    if (length * 16 > this.size) return new Uint8Array(length);
    if (this.used + length > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(this.size);
      this.used = 0;
    }
    const view = new Uint8Array(this.buffer, this.used, length);
    this.used += length;
    return view;
  }
}
