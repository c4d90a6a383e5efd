import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { asksForHelp, commandUsage } from './main';

const MAIN = join(__dirname, 'main.js');

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
