import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { API_GROUP } from '../crds/v1alpha1/meta';
import { apiConfiguration, describeKubeError, PLURALS, statusCode } from '../operator/kube/client';
import { BackendError, ConflictError, UnprocessableError } from './errors';
import type { TenantStore, ZoneKind, ZoneKinds } from './store';

/**
 * The TenantStore over the Kubernetes API server, with the API's own ServiceAccount (or a
 * kubeconfig). It shares operator/kube's keep-alive configuration (one TLS connection for many
 * calls); the operator's KubeClient has no list, create or delete of zones, which this needs.
 */

const VERSION = 'v1alpha1';

export async function kubeTenantStore(kubeconfigPath?: string): Promise<TenantStore> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  const config = await apiConfiguration(kc);
  const custom = new k8s.CustomObjectsApi(config);
  const core = new k8s.CoreV1Api(config);
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const ref = (kind: ZoneKind, namespace: string) => ({ group: API_GROUP, version: VERSION, namespace, plural: PLURALS[kind] });

  /** A failure of the API server in the API's words; `what` says which call. */
  const failed = (err: unknown, what: string): Error => {
    const code = statusCode(err);
    const message = describeKubeError(err);
    // 422: the CRD schema or an admission policy refused the object; its message names the field.
    if (code === 422 || code === 400) return new UnprocessableError(`the API server refused ${what}: ${message.replace(/^\d+: /, '')}`, { code });
    if (code === 409) return new ConflictError(`${what}: ${message.replace(/^\d+: /, '')}`, { code });
    return new BackendError(`the Kubernetes API server failed ${what}: ${message}`, { code });
  };

  return {
    async list(kind, namespace) {
      try {
        const list = (await custom.listNamespacedCustomObject(ref(kind, namespace))) as { items: Array<ZoneKinds[typeof kind]> };
        return list.items;
      } catch (err) {
        throw failed(err, `to list ${kind}s`);
      }
    },
    async get(kind, namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ ...ref(kind, namespace), name })) as ZoneKinds[typeof kind];
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw failed(err, `to read ${kind} ${name}`);
      }
    },
    async create(kind, object) {
      try {
        return (await custom.createNamespacedCustomObject({ ...ref(kind, object.metadata.namespace ?? ''), body: object })) as typeof object;
      } catch (err) {
        throw failed(err, `the ${kind} ${object.metadata.name}`);
      }
    },
    async patch(kind, namespace, name, resourceVersion, patch) {
      const body = { metadata: { resourceVersion, ...(patch.annotations ? { annotations: patch.annotations } : {}) }, spec: patch.spec };
      try {
        await custom.patchNamespacedCustomObject({ ...ref(kind, namespace), name, body }, mergePatch);
        return true;
      } catch (err) {
        if (statusCode(err) === 409) return false;
        throw failed(err, `the change of ${kind} ${name}`);
      }
    },
    async delete(kind, namespace, name) {
      try {
        await custom.deleteNamespacedCustomObject({ ...ref(kind, namespace), name });
        return true;
      } catch (err) {
        if (statusCode(err) === 404) return false;
        throw failed(err, `to delete ${kind} ${name}`);
      }
    },
    async readSecret(namespace, name) {
      let secret: K8s.V1Secret;
      try {
        secret = await core.readNamespacedSecret({ namespace, name });
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw failed(err, `to read the Secret ${namespace}/${name}`);
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
      return out;
    },
  };
}
