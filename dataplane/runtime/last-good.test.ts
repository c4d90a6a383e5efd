import { strict as assert } from 'node:assert';
import { memoryLogger } from '../testkit/memory-logger';
import { LastGoodZones, logRejectedZone, type ZoneFailure } from './last-good';

/**
 * The keep-last-good-zone rule every role follows: a new version that does not build leaves the
 * last good one serving (or nothing, when there is none), is reported once, and stays a failure
 * of its zone until a version builds or the zone goes.
 */

/** A stand-in for a zone version: its serial is all the rule looks at. */
interface Version {
  readonly serial: number;
}

class BadVersionError extends Error {
  override name = 'BadVersionError';
}

const fails = (message: string) => (): Version => {
  throw new BadVersionError(message);
};

describe('LastGoodZones (the keep-last-good-zone rule)', () => {
  const setup = (rejects?: (err: unknown) => boolean) => {
    const reported: ZoneFailure[] = [];
    const rule = new LastGoodZones<Version>({ serialOf: (v) => v.serial, report: (f) => reported.push(f), ...(rejects ? { rejects } : {}) });
    return { rule, reported };
  };

  it('takes a version that builds, and reports nothing', () => {
    const { rule, reported } = setup();
    const r = rule.rebuild('a.test.', { serial: 1 }, () => ({ serial: 2 }));
    assert.deepEqual(r, { state: 'built', zone: { serial: 2 } });
    assert.equal(reported.length, 0);
    assert.equal(rule.failures.size, 0);
  });

  it('keeps serving the last good version when the new one fails, and reports it once', () => {
    const { rule, reported } = setup();
    const lastGood = { serial: 7 };
    const r = rule.rebuild('a.test.', lastGood, fails('A "192.0.2.999" is not an IPv4 address'));
    assert.equal(r.state, 'kept-last-good');
    assert.equal(r.zone, lastGood, 'the very version that served before');
    assert.equal(reported.length, 1);
    assert.deepEqual(reported[0], {
      origin: 'a.test.',
      error: 'A "192.0.2.999" is not an IPv4 address',
      keptSerial: 7,
      message: 'A "192.0.2.999" is not an IPv4 address (still serving serial 7)',
    });
    assert.equal(rule.failures.get('a.test.')?.keptSerial, 7);
  });

  it('serves nothing for a zone that never built, and says so', () => {
    const { rule, reported } = setup();
    const r = rule.rebuild('new.test.', undefined, fails('no SOA record'));
    assert.equal(r.state, 'not-loaded');
    assert.equal(r.zone, undefined);
    assert.equal(reported[0]!.message, 'no SOA record (zone not loaded)');
    assert.equal(reported[0]!.keptSerial, undefined);
  });

  it('clears the failure when a later version builds', () => {
    const { rule } = setup();
    rule.rebuild('a.test.', { serial: 1 }, fails('broken'));
    assert.ok(rule.failures.has('a.test.'));
    assert.equal(rule.rebuild('a.test.', { serial: 1 }, () => ({ serial: 3 })).state, 'built');
    assert.equal(rule.failures.has('a.test.'), false);
  });

  it('forgets the failure of a zone that is gone, and of zones a full reload no longer has', () => {
    const { rule } = setup();
    rule.rebuild('a.test.', undefined, fails('broken'));
    rule.rebuild('b.test.', undefined, fails('broken'));
    rule.rebuild('c.test.', undefined, fails('broken'));
    rule.forget('a.test.');
    assert.deepEqual([...rule.failures.keys()], ['b.test.', 'c.test.']);
    rule.keepOnly(new Set(['c.test.']));
    assert.deepEqual([...rule.failures.keys()], ['c.test.']);
  });

  it('throws on an error that is not a rejected version (a fault of the program), reporting nothing', () => {
    const { rule, reported } = setup((err) => err instanceof BadVersionError);
    assert.throws(
      () =>
        rule.rebuild('a.test.', { serial: 1 }, () => {
          throw new TypeError('bug');
        }),
      TypeError,
    );
    assert.equal(reported.length, 0);
    assert.equal(rule.failures.size, 0);
    assert.equal(rule.rebuild('a.test.', { serial: 1 }, fails('bad')).state, 'kept-last-good', 'a rejection is still kept');
  });

  it('follows the same rule for a build in slices (rebuildAsync)', async () => {
    const { rule, reported } = setup();
    const built = await rule.rebuildAsync('a.test.', undefined, async () => ({ serial: 1 }));
    assert.deepEqual(built, { state: 'built', zone: { serial: 1 } });
    const kept = await rule.rebuildAsync('a.test.', built.zone, () => Promise.reject(new BadVersionError('CNAME beside other data')));
    assert.equal(kept.state, 'kept-last-good');
    assert.equal(kept.zone, built.zone);
    assert.equal(reported[0]!.message, 'CNAME beside other data (still serving serial 1)');
  });

  it('logs a follower\'s rejection as one error line naming the zone and the serial kept', () => {
    const log = memoryLogger();
    const rule = new LastGoodZones<Version>({ serialOf: (v) => v.serial, report: logRejectedZone(log, 'from the store') });
    rule.rebuild('a.test.', { serial: 4 }, fails('broken'));
    rule.rebuild('b.test.', undefined, fails('broken'));
    assert.deepEqual(log.lines, [
      { level: 'error', msg: 'zone from the store rejected; keeping its last good version', fields: { zone: 'a.test.', error: 'broken', serial: 4 } },
      { level: 'error', msg: 'zone from the store rejected; not served', fields: { zone: 'b.test.', error: 'broken' } },
    ]);
  });
});
