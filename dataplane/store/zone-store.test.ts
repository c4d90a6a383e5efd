import { strict as assert } from 'node:assert';
import { CONTROL_SERVER, servesCloud, storeOrigin } from './zone-store';

describe('zone store helpers', () => {
  it('keys zones by absolute lower-case name', () => {
    assert.equal(storeOrigin('Example.COM'), 'example.com.');
    assert.equal(storeOrigin('example.com.'), 'example.com.');
  });

  it('knows which clouds serve a zone', () => {
    assert.ok(servesCloud({ clouds: 'all' }, 'x'));
    assert.ok(servesCloud({ clouds: ['a', 'b'] }, 'b'));
    assert.ok(!servesCloud({ clouds: ['a'] }, 'b'));
    assert.ok(servesCloud({ clouds: ['a'] }, CONTROL_SERVER), 'the control server holds every zone');
  });
});
