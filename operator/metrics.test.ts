import { strict as assert } from 'node:assert';
import { OperatorMetrics, objectDetail } from './metrics';

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

  it('counts the clouds behind and the zones waiting for their DS, from what each reconcile found', async () => {
    const m = new OperatorMetrics(() => 0);
    const progress = (name: string, podsInSync: number) => ({ name, pods: 2, podsInSync, serial: 1 });
    const pendingSince = '2026-12-01T00:00:00Z';
    const dnssec = (reason: string) => [{ type: 'DNSSEC', status: 'False' as const, reason, message: '', lastTransitionTime: pendingSince }];
    m.zoneState('default/a', 'Propagating', objectDetail([progress('cloud-a', 1), progress('cloud-b', 2)], dnssec('PendingDS')));
    m.zoneState('default/b', 'Serving', objectDetail([progress('cloud-a', 2), progress('cloud-b', 2)], dnssec('Signed')));
    m.secondaryZoneState('default/a', 'Propagating', objectDetail([progress('cloud-a', 0)], undefined));
    let text = await m.registry.metrics();
    assert.match(text, /dnsfleet_cloud_zones_behind\{cloud="cloud-a"\} 2/);
    assert.match(text, /dnsfleet_cloud_zones_behind\{cloud="cloud-b"\} 0/);
    assert.match(text, /dnsfleet_dnssec_pending_ds_zones 1/);
    assert.match(text, new RegExp(`dnsfleet_dnssec_pending_ds_oldest_timestamp_seconds ${Date.parse(pendingSince) / 1000}`));
    // Gone objects leave the counts; the leader gauge asks whom it is told to.
    m.zoneState('default/a', undefined);
    m.secondaryZoneState('default/a', undefined);
    m.leaderFrom(() => false);
    text = await m.registry.metrics();
    assert.match(text, /dnsfleet_cloud_zones_behind\{cloud="cloud-a"\} 0/, 'b is served in full');
    assert.match(text, /dnsfleet_dnssec_pending_ds_zones 0/);
    assert.doesNotMatch(text, /dnsfleet_dnssec_pending_ds_oldest_timestamp_seconds \d/);
    assert.match(text, /dnsfleet_leader 0/);
  });

  it('says when the last reconcile succeeded', async () => {
    const m = new OperatorMetrics(() => 0);
    assert.doesNotMatch(await m.registry.metrics(), /dnsfleet_reconcile_last_success_timestamp_seconds \d/);
    const before = Date.now() / 1000;
    await m.observe('Zone', async () => 'ok');
    const value = Number(/^dnsfleet_reconcile_last_success_timestamp_seconds (\S+)$/m.exec(await m.registry.metrics())![1]);
    assert.ok(value >= before - 1 && value <= Date.now() / 1000 + 1, String(value));
  });
});
