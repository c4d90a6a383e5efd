import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyRecord } from '../dnssec/zone-signing';
import { StateDir, StateDirError, defaultStateDir, zoneDirName } from './state-dir';

describe('StateDir: the keys and status of serve', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'dnsfleet-state-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('defaults to $XDG_STATE_HOME/dnsfleet, else ~/.local/state/dnsfleet (a relative XDG_STATE_HOME is ignored)', () => {
    assert.equal(defaultStateDir({ XDG_STATE_HOME: '/var/lib/me' }), '/var/lib/me/dnsfleet');
    assert.equal(defaultStateDir({}), join(homedir(), '.local/state/dnsfleet'));
    assert.equal(defaultStateDir({ XDG_STATE_HOME: 'relative' }), join(homedir(), '.local/state/dnsfleet'));
  });

  it('names a zone directory by the zone, with nothing that climbs out', () => {
    assert.equal(zoneDirName('Example.COM.'), 'example.com');
    assert.equal(zoneDirName('.'), 'root');
    assert.equal(zoneDirName('a/b.test.'), 'a%2fb.test');
    assert.equal(zoneDirName('..'), '%2e');
    assert.ok(!zoneDirName('../../etc.').includes('/'));
  });

  it('writes the state 0600 in 0700 directories, whole (no temporary file left), and reads it back', () => {
    const dir = new StateDir(join(base, 'state'));
    assert.equal(dir.read('a.test.'), undefined, 'no state yet');
    const state = { version: 1 as const, record: emptyRecord(), lastSerial: 7 };
    dir.write('a.test.', state);
    dir.writeStatus('a.test.', { state: 'disabled' });
    assert.deepEqual(dir.read('a.test.'), state);
    assert.equal(statSync(join(base, 'state')).mode & 0o777, 0o700);
    assert.equal(statSync(join(base, 'state', 'a.test')).mode & 0o777, 0o700);
    for (const f of ['state.json', 'status.json']) assert.equal(statSync(join(base, 'state', 'a.test', f)).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(base, 'state', 'a.test')).sort(), ['state.json', 'status.json']);
  });

  it('leaves the mode of a state directory the user made alone', () => {
    mkdirSync(join(base, 'mine'), { mode: 0o750 });
    new StateDir(join(base, 'mine')).write('a.test.', { version: 1, record: emptyRecord() });
    assert.equal(statSync(join(base, 'mine')).mode & 0o777, 0o750);
  });

  it('says which file it cannot read or write', () => {
    const dir = new StateDir(base);
    mkdirSync(join(base, 'bad.test'));
    writeFileSync(join(base, 'bad.test', 'state.json'), '{"version": 2}');
    assert.throws(() => dir.read('bad.test.'), (err: unknown) => err instanceof StateDirError && /bad\.test\/state\.json: not a state file of this version/.test(err.message));
    writeFileSync(join(base, 'file.test'), 'a file where the directory should be');
    assert.throws(() => dir.write('file.test.', { version: 1, record: emptyRecord() }), StateDirError);
  });
});
