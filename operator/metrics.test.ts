import { strict as assert } from 'node:assert';
import { OperatorMetrics } from './metrics';

describe('OperatorMetrics', () => {
  it('counts reconciles by result and times them', async () => {
    const m = new OperatorMetrics(() => 3);
    await m.observe('Zone', async () => 'ok');
    await assert.rejects(m.observe('Zone', async () => Promise.reject(new Error('conflict'))), /conflict/);
    const text = await m.registry.metrics();
    assert.match(text, /dnsfleet_reconcile_total\{kind="Zone",result="success"\} 1/);
    assert.match(text, /dnsfleet_reconcile_total\{kind="Zone",result="error"\} 1/);
    assert.match(text, /dnsfleet_reconcile_duration_seconds_count\{kind="Zone"\} 2/);
    assert.match(text, /dnsfleet_workqueue_depth 3/);
  });

  it('counts zones by the reason of their Ready condition, and forgets deleted ones', async () => {
    const m = new OperatorMetrics(() => 0);
    m.zoneState('default/a', 'Serving');
    m.zoneState('default/b', 'Serving');
    m.zoneState('default/c', 'InvalidZone');
    m.zoneState('default/b', undefined);
    const text = await m.registry.metrics();
    assert.match(text, /dnsfleet_zones\{reason="Serving"\} 1/);
    assert.match(text, /dnsfleet_zones\{reason="InvalidZone"\} 1/);
  });
});
