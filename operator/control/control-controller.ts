import type { KubeClient } from '../kube/client';
import { AppliedObjects } from '../kube/applied-objects';
import { step } from '../reconcile-error';
import type { KeyEncryptionKey } from '../dnssec/kek';
import { buildControlDeployment, buildControlService, type ControlServerSettings } from './control-objects';

/**
 * Keeps the control server's Deployment and Service in shape. It has no resource of its own (the
 * operator's flags configure it, control-objects.ts), so the operator queues it at start and on
 * every resync; an object is applied when the builders produce something new, and now and then
 * to put back drift (operator/kube/applied-objects.ts). A failure comes out as a
 * `ReconcileStepError` naming the object. The key-encryption key Secret its pod reads is made
 * first, once (operator/dnssec/kek.ts).
 */
export interface ControlServerControllerOptions {
  readonly kube: KubeClient;
  readonly settings: ControlServerSettings;
  /** How often an unchanged object is applied again. */
  readonly reapplyMs?: number;
  readonly now?: () => number;
  /** The key-encryption key its pod reads (made here first, so the pod never waits for the Secret). */
  readonly kek?: KeyEncryptionKey;
}

export class ControlServerController {
  private readonly applied: AppliedObjects;

  constructor(private readonly o: ControlServerControllerOptions) {
    this.applied = new AppliedObjects(o.kube, o.reapplyMs, o.now);
  }

  async reconcile(): Promise<void> {
    if (this.o.kek) await step('make sure the key-encryption key Secret exists', () => this.o.kek!.get());
    for (const object of [buildControlDeployment(this.o.settings), buildControlService(this.o.settings)]) {
      await step(`apply ${object.kind} ${object.metadata.name}`, () => this.applied.apply(object));
    }
  }
}
