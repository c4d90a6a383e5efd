import { strict as assert } from 'node:assert';
import { buildQuery } from '../testkit/dns-client';
import { LATENCY_BUCKETS, QTYPE_LABELS, QueryMetrics, RCODE_LABELS, qtypeSlot } from './query-metrics';

const label = (msg: Uint8Array): string => QTYPE_LABELS[qtypeSlot(msg)]!;

describe('QueryMetrics', () => {
  it('reads the QTYPE of a question without parsing the message', () => {
    assert.equal(label(buildQuery('www.example.test', 'A')), 'A');
    assert.equal(label(buildQuery('Example.Test', 'AAAA', { edns: null })), 'AAAA');
    assert.equal(label(buildQuery('.', 'NS')), 'NS');
    assert.equal(label(buildQuery('example.test', 'DNSKEY', { dnssecOk: true })), 'DNSKEY');
    assert.equal(label(buildQuery('example.test', 'AXFR')), 'AXFR');
    // A type without a label of its own: "other", so that the label stays bounded.
    assert.equal(label(buildQuery('example.test', 'TYPE4000')), 'other');
    assert.equal(label(buildQuery('example.test', 'HINFO')), 'other');
  });

  it('says "none" for what has no question it can read: short, QDCOUNT 0, a pointer, a name running off the end', () => {
    assert.equal(label(new Uint8Array(5)), 'none');
    const q = buildQuery('example.test', 'A');
    const noQuestion = Uint8Array.from(q);
    noQuestion[5] = 0;
    assert.equal(label(noQuestion), 'none');
    const pointer = Uint8Array.from(q);
    pointer[12] = 0xc0;
    assert.equal(label(pointer), 'none');
    assert.equal(label(q.subarray(0, 20)), 'none');
    // The name ends, but QTYPE is cut off.
    const nameEnd = 12 + 'example.test'.length + 2;
    assert.equal(label(q.subarray(0, nameEnd + 1)), 'none');
    assert.equal(label(q.subarray(0, nameEnd + 2)), 'A');
  });

  it('counts an answer by transport, QTYPE and the RCODE of its header, and TC apart', () => {
    const m = new QueryMetrics();
    const request = buildQuery('x.test', 'MX');
    const response = Uint8Array.from(request);
    response[2] = 0x84 | 0x02; // QR, AA, TC
    response[3] = 0x03; // NXDOMAIN
    const out = new Uint8Array(100);
    out.set(response, 40);
    m.answered(0, request, out, 40);
    m.answered(1, request, response, 0);
    m.answered(1, request, response, 0);
    const cell = (transport: number, qtype: string, rcode: string): number => m.answers[(transport * QTYPE_LABELS.length + QTYPE_LABELS.indexOf(qtype)) * 16 + RCODE_LABELS.indexOf(rcode)]!;
    assert.equal(cell(0, 'MX', 'NXDOMAIN'), 1);
    assert.equal(cell(1, 'MX', 'NXDOMAIN'), 2);
    assert.equal(m.answers.reduce((a, b) => a + b, 0), 3);
    assert.deepEqual([...m.truncated], [1, 2]);
  });

  it('puts latencies into the first bucket at least as large, a batch counting once per answer', () => {
    const m = new QueryMetrics();
    m.observeLatency(0.00001, 64); // a batch of 64 in 10 µs
    m.observeLatency(0.001, 1); // exactly a bound: that bucket (le is "less or equal")
    m.observeLatency(3, 2); // past the last bound: +Inf
    m.observeLatency(0.5, 0); // nothing answered: nothing counted
    assert.equal(m.latencyBuckets[0], 64);
    assert.equal(m.latencyBuckets[LATENCY_BUCKETS.indexOf(0.001)], 1);
    assert.equal(m.latencyBuckets[LATENCY_BUCKETS.length], 2);
    assert.equal(m.latencyCount, 67);
    assert.ok(Math.abs(m.latencySum - (0.00064 + 0.001 + 6)) < 1e-9);
  });
});
