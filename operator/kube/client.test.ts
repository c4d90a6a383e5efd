import { strict as assert } from 'node:assert';
import { describeKubeError } from './client';

describe('describeKubeError', () => {
  it('gives the API server\'s message with the code, not the whole response', () => {
    const err = Object.assign(new Error('HTTP-Code: 422\nMessage: Unsuccessful HTTP Request\nBody: …\nHeaders: {…}'), {
      code: 422,
      body: JSON.stringify({ kind: 'Status', message: 'Service "x" is invalid: spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster' }),
    });
    assert.equal(describeKubeError(err), '422: Service "x" is invalid: spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster');
  });
  it('falls back to the message line of errors without a Status body', () => {
    assert.equal(describeKubeError(Object.assign(new Error('HTTP-Code: 500\nMessage: boom\nBody: x'), { code: 500, body: 'x' })), '500: boom');
    assert.equal(describeKubeError(new Error('connect ECONNREFUSED 127.0.0.1:1')), 'Error: connect ECONNREFUSED 127.0.0.1:1');
  });
});
