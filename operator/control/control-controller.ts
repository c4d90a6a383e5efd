import type { KubeClient } from '../kube/client';
import { AppliedObjects } from '../kube/applied-objects';
import { step } from '../reconcile-error';
import { buildControlDeployment, buildControlService, type ControlServerSettings } from './control-objects';

/**
 * Keeps the control server's Deployment and Service in shape. It has no resource of its own (the
 * operator's flags configure it, control-objects.ts), so the operator queues it at start and on
 * every resync; an object is applied when the builders produce something new, and now and then
 * to put back drift (operator/kube/applied-objects.ts). A failure comes out as a
 * `ReconcileStepError` naming the object.
 */
export interface ControlServerControllerOptions {
  readonly kube: KubeClient;
  readonly settings: ControlServerSettings;
  /** How often an unchanged object is applied again. */
  readonly reapplyMs?: number;
  readonly now?: () => number;
}

export class ControlServerController {
  private readonly applied: AppliedObjects;

  constructor(private readonly o: ControlServerControllerOptions) {
    this.applied = new AppliedObjects(o.kube, o.reapplyMs, o.now);
  }

  async reconcile(): Promise<void> {
    for (const object of [buildControlDeployment(this.o.settings), buildControlService(this.o.settings)]) {
      await step(`apply ${object.kind} ${object.metadata.name}`, () => this.applied.apply(object));
    }
  }
}
