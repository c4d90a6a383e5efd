import { strict as assert } from 'node:assert';
import { checkZoneName, isPublicSuffix, parseZoneRule, ZonePolicyError } from './zone-policy';

describe('zone name policy', () => {
  it('knows public suffixes from the Public Suffix List, ICANN and private sections, and every single label', () => {
    for (const name of ['com.', 'co.uk.', 'github.io.', 'in-addr.arpa.', 'test.', 'example.', 'localhost.', '.']) assert.ok(isPublicSuffix(name), name);
    for (const name of ['example.com.', 'x.test.', 'shared.test.', 'foo.github.io.', 'example.co.uk.', '10.in-addr.arpa.', '*.example.com.', '_tcp.example.com.']) assert.ok(!isPublicSuffix(name), name);
  });

  it('refuses public suffixes by default, and allows them when turned off', () => {
    const refused = checkZoneName('CO.UK', 'team-a');
    assert.ok(!refused.ok);
    assert.match(refused.message, /zone name co\.uk\. is a public suffix/);
    assert.ok(checkZoneName('example.com', 'team-a').ok);
    assert.ok(checkZoneName('x.test.', 'team-a').ok);
    assert.ok(checkZoneName('com', 'team-a', { refusePublicSuffixes: false }).ok);
  });

  it('reserves a domain and the names under it for the namespaces a rule names; the longest rule decides', () => {
    const policy = { rules: [parseZoneRule('example.com=team-a,team-b'), parseZoneRule('dev.example.com=team-dev'), parseZoneRule('reserved.test=')] };
    assert.ok(checkZoneName('example.com', 'team-a', policy).ok);
    assert.ok(checkZoneName('shop.example.com.', 'team-b', policy).ok);
    const other = checkZoneName('shop.example.com', 'team-c', policy);
    assert.ok(!other.ok);
    assert.equal(other.message, 'zone name shop.example.com.: names under example.com. may be hosted only in namespace team-a, team-b (--zone-policy), not in team-c');
    assert.ok(checkZoneName('x.dev.example.com', 'team-dev', policy).ok);
    assert.ok(!checkZoneName('x.dev.example.com', 'team-a', policy).ok, 'the longer rule wins');
    assert.ok(checkZoneName('notexample.com', 'team-c', policy).ok, 'a rule covers its own name and names under it, not look-alikes');
    const none = checkZoneName('reserved.test', 'team-a', policy);
    assert.ok(!none.ok && /may be hosted in no namespace/.test(none.message));
    assert.ok(checkZoneName('free.test', 'anyone', policy).ok);
  });

  it('parses --zone-policy values and names what is wrong', () => {
    assert.deepEqual(parseZoneRule('Example.COM.=team-a, team-b'), { domain: 'example.com.', namespaces: ['team-a', 'team-b'] });
    assert.deepEqual(parseZoneRule('.=platform'), { domain: '.', namespaces: ['platform'] });
    assert.throws(() => parseZoneRule('example.com'), (e: unknown) => e instanceof ZonePolicyError && /expected DOMAIN=NAMESPACE/.test(e.message));
    assert.throws(() => parseZoneRule('exa mple.com=a'), /"exa mple.com" is not a domain name/);
    assert.throws(() => parseZoneRule('example.com=Team_A'), /"Team_A" is not a namespace name/);
  });
});
