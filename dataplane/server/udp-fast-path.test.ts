import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder } from '../nameserver/respond';
import { buildQuery } from '../testkit/dns-client';
import { answerFromCache } from './udp-fast-path';

// The fast path answers only what the full responder would answer the same way from its cache;
// queries whose EDNS options need a look (broken ones, NSID) go to the responder.

describe('answerFromCache', () => {
  const origin = Name.fromText('f.test.');
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile('$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n', { origin, source: 't' })) b.add(r);
  const responder = new Responder(new ZoneSet([b.build()]));
  responder.respond(buildQuery('ns.f.test', 'A'), 'udp'); // fills the cache (EDNS variant)
  const out = new Uint8Array(2048);

  /** The query with `options` as the OPT RDATA. */
  const withOptions = (options: number[]): Buffer => {
    const q = buildQuery('ns.f.test', 'A');
    return Buffer.concat([q.subarray(0, q.length - 2), Buffer.from([options.length >> 8, options.length & 0xff, ...options])]);
  };

  it('answers a cached question with and without options it does not need to read', () => {
    assert.ok(answerFromCache(buildQuery('ns.f.test', 'A'), responder.cache, out, 0) > 0);
    assert.ok(answerFromCache(withOptions([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]), responder.cache, out, 0) > 0, 'a cookie');
  });

  it('leaves broken options and NSID requests to the responder', () => {
    assert.equal(answerFromCache(withOptions([0, 3, 0, 10]), responder.cache, out, 0), -1, 'option past the RDATA');
    assert.equal(answerFromCache(withOptions([0, 3, 0]), responder.cache, out, 0), -1, '3-octet RDATA');
    assert.equal(answerFromCache(withOptions([0, 10, 0, 0, 0, 3, 0, 0]), responder.cache, out, 0), -1, 'NSID after another option');
    assert.equal(answerFromCache(withOptions([0, 3, 0, 0]), responder.cache, out, 0), -1, 'NSID');
  });
});
