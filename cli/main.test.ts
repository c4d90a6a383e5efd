import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { asksForHelp, commandUsage, parseIdentity, podRedisUrl } from './main';
import { UsageError } from './usage-error';

const MAIN = join(__dirname, 'main.js');


// The identity flags of `serve` and `dataplane` (docs/answers.md#identity).

describe('podRedisUrl (--pod-redis-url, --pod-redis-secret)', () => {
  it('takes the URL unless a Secret is named, and a Secret as NAME/KEY', () => {
    assert.equal(podRedisUrl(undefined, 'redis://r:6379'), 'redis://r:6379');
    assert.deepEqual(podRedisUrl('dnsfleet-redis/pod-url', 'redis://r:6379'), { secretName: 'dnsfleet-redis', key: 'pod-url' });
  });
  it('refuses anything else with the flag in the message', () => {
    for (const bad of ['dnsfleet-redis', 'Upper/key', '/key', 'name/', 'a/b/c']) assert.throws(() => podRedisUrl(bad, 'redis://r'), (err: Error) => err instanceof UsageError && /--pod-redis-secret/.test(err.message), bad);
  });
});

describe('parseIdentity', () => {
  it('answers id.server with the default identity, sends no NSID and refuses the version unless told', () => {
    assert.deepEqual(parseIdentity({}, 'pod-1'), { identity: 'pod-1' });
    assert.deepEqual(parseIdentity({ identity: 'ns1', nsid: 'ns1-fra', 'version-string': 'dnsfleet' }, 'pod-1'), { identity: 'ns1', nsid: 'ns1-fra', version: 'dnsfleet' });
    assert.deepEqual(parseIdentity({ 'hide-identity': true, nsid: 'pod-1' }, 'pod-1'), { nsid: 'pod-1' });
  });

  it('names the flag of a text it cannot use', () => {
    assert.throws(() => parseIdentity({ nsid: '' }, 'h'), (e: unknown) => e instanceof UsageError && /^--nsid: must be 1 to 255/.test(e.message));
    assert.throws(() => parseIdentity({ 'version-string': 'a\u00e9' }, 'h'), /^UsageError: --version-string: must be printable ASCII/);
    assert.throws(() => parseIdentity({}, 'x'.repeat(256)), /^UsageError: --identity: must be 1 to 255/);
    assert.throws(() => parseIdentity({ identity: 'a', 'hide-identity': true }, 'h'), /exclude each other/);
  });
});


describe('dnsfleet <command> --help', function () {
  this.timeout(30_000);
  for (const command of ['serve', 'dataplane', 'operator']) {
    it(`prints the usage of ${command} and exits 0`, () => {
      for (const flag of ['--help', '-h']) {
        const out = spawnSync(process.execPath, [MAIN, command, flag], { encoding: 'utf8', timeout: 10_000 });
        assert.equal(out.status, 0, out.stderr);
        assert.equal(out.stderr, '');
        assert.ok(out.stdout.startsWith(`dnsfleet ${command} `), out.stdout);
        assert.equal(out.stdout, commandUsage(command));
      }
    });
  }

  it('takes --help among other options, but not after --', () => {
    assert.equal(asksForHelp(['-f', 'x', '--help']), true);
    assert.equal(asksForHelp(['--', '--help']), false);
    assert.equal(asksForHelp(['-f', 'x']), false);
  });

  it('still refuses an unknown option', () => {
    const out = spawnSync(process.execPath, [MAIN, 'serve', '--nope'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /Unknown option '--nope'/);
  });
});
