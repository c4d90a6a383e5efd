import { strict as assert } from 'node:assert';
import { zoneOf } from '../store/snapshot';
import { zoneText } from '../testkit/zone-text';
import { zoneFromChangedLines } from './changed-lines';

const ORIGIN = 'lines.test.';
const base = (serial: number, extra: string[] = []): string =>
  [`$ORIGIN ${ORIGIN}`, '$TTL 300', `@ SOA ns1 hm ${serial} 3600 600 86400 300`, '@ NS ns1', 'ns1 A 192.0.2.1', ...Array.from({ length: 50 }, (_, i) => `h${i} A 192.0.2.${i + 10}`), ...extra].join('\n') + '\n';

describe('zoneFromChangedLines: a new unsigned text applied to the last version line by line', () => {
  const previous = { text: base(1), zone: zoneOf({ origin: ORIGIN, text: base(1) }) };

  for (const [what, text, shared] of [
    ['a changed record and the SOA', base(2).replace('h7 A 192.0.2.17', 'h7 A 192.0.2.99'), true],
    // A name that loses its last record is rebuilt whole by ZoneUpdate (zone-update.ts): nothing shared.
    ['a record added and one removed, with its own TTL', base(2, ['new 60 TXT "x"']).replace('h3 A 192.0.2.13\n', ''), false],
    ['a name moved in the file only', base(2).replace('h1 A 192.0.2.11\n', '') + 'h1 A 192.0.2.11\n', true],
  ] as const) {
    it(`gives the zone the whole text gives: ${what}`, () => {
      const zone = zoneFromChangedLines(previous, text);
      assert.ok(zone, 'applied line by line');
      assert.equal(zoneText(zone), zoneText(zoneOf({ origin: ORIGIN, text })));
      const untouched = previous.zone.sortedNodes()[5]!.name;
      if (shared) assert.ok(zone.node(untouched) === previous.zone.node(untouched), 'an untouched name is shared');
    });
  }

  for (const [what, text] of [
    ['a directive that changed', base(2).replace('$TTL 300', '$TTL 600')],
    ['a line continuing the owner of the one before', base(2).replace('h7 A 192.0.2.17', '   A 192.0.2.99')],
    ['a record in parentheses', base(2).replace('h7 A 192.0.2.17', 'h7 A ( 192.0.2.99 )')],
    ['a record that does not apply', base(2).replace('h7 A 192.0.2.17', 'h7 A 999.0.2.99')],
  ] as const) {
    it(`leaves it to the whole text: ${what}`, () => {
      assert.equal(zoneFromChangedLines(previous, text), undefined);
    });
  }

  it('without $TTL, a line whose TTL would come from its context is left to the whole text', () => {
    const noTtl = (serial: number, www: string): string => `@ 300 SOA ns1 hm ${serial} 3600 600 86400 300\n@ 300 NS ns1\nwww A ${www}\n`;
    const prev = { text: noTtl(1, '192.0.2.1'), zone: zoneOf({ origin: ORIGIN, text: noTtl(1, '192.0.2.1') }) };
    assert.equal(zoneFromChangedLines(prev, noTtl(2, '192.0.2.2')), undefined);
  });
});
