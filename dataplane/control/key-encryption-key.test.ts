import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testkit/processes';
import { KEK_ENV, KeyEncryptionKeyError, loadKeyEncryptionKey, parseKeyEncryptionKey } from './key-encryption-key';

describe('the key-encryption key of the control server', () => {
  it('takes 32 octets in base64, from the file before the environment, with a trailing newline', () => {
    const key = randomBytes(32);
    const other = randomBytes(32);
    const dir = tempDir('kek');
    try {
      const file = join(dir.path, 'key');
      writeFileSync(file, `${key.toString('base64')}\n`);
      assert.deepEqual(Buffer.from(loadKeyEncryptionKey(file, { [KEK_ENV]: other.toString('base64') })!), key);
      assert.deepEqual(Buffer.from(loadKeyEncryptionKey(undefined, { [KEK_ENV]: other.toString('base64') })!), other);
      assert.equal(loadKeyEncryptionKey(undefined, {}), undefined, 'none: the control server signs nothing and says why per zone');
      assert.throws(() => loadKeyEncryptionKey(join(dir.path, 'missing'), {}), /key-encryption key file .*missing cannot be read/);
    } finally {
      dir.remove();
    }
  });

  it('refuses a key of another length or not in base64, naming where it came from and not the value', () => {
    const short = randomBytes(16).toString('base64');
    assert.throws(() => parseKeyEncryptionKey(short, KEK_ENV), (err: Error) => err instanceof KeyEncryptionKeyError && err.message.includes('16 octets, not 32') && err.message.includes(KEK_ENV) && !err.message.includes(short));
    assert.throws(() => parseKeyEncryptionKey('not base64!', '/etc/kek'), /in \/etc\/kek is not base64/);
  });
});
