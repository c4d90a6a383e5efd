import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { Logger } from '../../dataplane/log/log';
import type { KubeClient } from '../kube/client';
import { writeStatus } from '../status-writer';
import { policyReadyCondition } from './policy-check';

/**
 * Reconciles one DNSSECPolicy: checks what the schema cannot (timing rules, policy-check.ts),
 * counts the zones that name it, and sets `Ready` (`Valid` / `Invalid`). Signing itself belongs
 * to the DNSSEC issue; a policy only describes, and the zones that name one say they are not
 * signed (their `DNSSEC` condition, dnssecpolicy/signing-status.ts).
 *
 * The policy is read from the informer's cache; the status is written only when it changed
 * (status-writer.ts); a failure comes out as a `ReconcileStepError` naming the step.
 */
export interface PolicyControllerOptions {
  readonly kube: KubeClient;
  readonly log: Logger;
  /** One DNSSECPolicy from the informer's cache. */
  readonly cached: (namespace: string, name: string) => DNSSECPolicy | undefined;
  /** How many Zones and SecondaryZones in `namespace` name the policy. */
  readonly zonesUsing: (namespace: string, policy: string) => number;
  readonly now?: () => Date;
}

export class PolicyController {
  constructor(private readonly o: PolicyControllerOptions) {}

  async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const policy = this.o.cached(namespace, name);
    if (!policy || policy.metadata.deletionTimestamp) return;
    const zones = this.o.zonesUsing(namespace, name);
    await writeStatus(this.o.kube, this.o.log, 'DNSSECPolicy', policy, { zones }, policyReadyCondition(policy.spec), this.o.now);
  }
}
