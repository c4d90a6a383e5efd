import { strict as assert } from 'node:assert';
import { AddressList, TransferPolicy, sameAddress } from './acl';

describe('TransferPolicy', () => {
  const policy = new TransferPolicy(
    AddressList.parse(['10.0.0.0/8']),
    new Map([
      ['a.test.', [{ address: '192.0.2.1' }, { address: '192.0.2.2', keyName: 'k.' }, { address: '2001:db8::2', keyName: 'k.' }]],
    ]),
  );

  it('lets --allow-transfer addresses transfer every zone, signed or not', () => {
    assert.ok(policy.allowsTransfer('a.test.', '10.1.2.3', undefined));
    assert.ok(policy.allowsTransfer('b.test.', '10.1.2.3', 'other.'));
  });

  it('lets a secondary without a key transfer its zone only, by address', () => {
    assert.ok(policy.allowsTransfer('a.test.', '192.0.2.1', undefined));
    assert.ok(policy.allowsTransfer('a.test.', '::ffff:192.0.2.1', undefined));
    assert.ok(!policy.allowsTransfer('b.test.', '192.0.2.1', undefined));
    assert.ok(!policy.allowsTransfer('a.test.', '192.0.2.9', undefined));
  });

  it('requires a keyed secondary to sign with its own key', () => {
    assert.ok(policy.allowsTransfer('a.test.', '192.0.2.2', 'k.'));
    assert.ok(policy.allowsTransfer('a.test.', '2001:db8:0::2', 'k.'));
    assert.ok(!policy.allowsTransfer('a.test.', '192.0.2.2', undefined));
    assert.ok(!policy.allowsTransfer('a.test.', '192.0.2.2', 'other.'));
  });
});

describe('sameAddress', () => {
  it('matches one address however it is written', () => {
    assert.ok(sameAddress('2001:db8::1', '2001:DB8:0:0::1'));
    assert.ok(sameAddress('::ffff:192.0.2.1', '192.0.2.1'));
    assert.ok(!sameAddress('192.0.2.1', '192.0.2.2'));
    assert.ok(!sameAddress('not an address', 'not an address'));
  });
});
