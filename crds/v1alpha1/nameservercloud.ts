import type { CidrPrefix, Condition, IPv4Address, IPv6Address, ObjectMeta } from './meta';

/**
 * `NameserverCloud`: a set of dataplane pods behind one service address. dnsfleet runs two
 * independent clouds (RcodeZero's A- and B-cloud); each answers for every Zone that names it, or
 * for every Zone when the Zone names none.
 */
export interface NameserverCloud {
  apiVersion: 'dnsfleet.io/v1alpha1';
  kind: 'NameserverCloud';
  metadata: ObjectMeta;
  spec: NameserverCloudSpec;
  status?: NameserverCloudStatus;
}

/**
 * @x-kubernetes-validations [{rule: "!has(self.service) || !has(self.service.type) || self.service.type != 'ClusterIP' || (has(self.addresses) && ((has(self.addresses.ipv4) && size(self.addresses.ipv4) > 0) || (has(self.addresses.ipv6) && size(self.addresses.ipv6) > 0)))", message: "service type ClusterIP needs at least one address in addresses.ipv4 or addresses.ipv6", fieldPath: ".addresses"}]
 */
export interface NameserverCloudSpec {
  /**
   * Dataplane pods of this cloud (default 2).
   * @asType integer
   * @minimum 1
   * @maximum 100
   */
  replicas?: number;
  /**
   * The nameserver host names this cloud announces (the NS targets zones delegate to).
   * @minItems 1
   */
  nameservers: string[];
  /** The cloud's service addresses (its anycast addresses), IPv4 and IPv6. */
  addresses?: CloudAddresses;
  service?: CloudService;
  placement?: CloudPlacement;
  /** Requests and limits of the dataplane container, as in a Pod spec. */
  resources?: ResourceRequirements;
  /** What the pods tell clients who ask which server answered (docs/answers.md#identity). */
  identity?: CloudIdentity;
  /** Response rate limiting of UDP answers, as NSD and Knot do it (docs/serve.md#response-rate-limiting); off unless set. */
  rateLimit?: CloudRateLimit;
}

/**
 * Response rate limiting (RRL): a pod answers a client network (an IPv4 /24, an IPv6 /56) at
 * most `responsesPerSecond` times a second per response class and name; beyond it, every
 * `slip`-th response is sent truncated (so real resolvers retry over TCP, which is never limited)
 * and the rest are dropped. Each pod counts on its own.
 */
export interface CloudRateLimit {
  /**
   * Responses a second one client network may get for one name and class.
   * @asType integer
   * @minimum 1
   * @maximum 10000000
   */
  responsesPerSecond: number;
  /**
   * Every `slip`-th limited response is sent truncated; 0 drops them all, 1 truncates them all (default 2).
   * @asType integer
   * @minimum 0
   * @maximum 10
   */
  slip?: number;
  /**
   * The prefix length of one IPv4 client network (default 24).
   * @asType integer
   * @minimum 8
   * @maximum 32
   */
  ipv4PrefixLength?: number;
  /**
   * The prefix length of one IPv6 client network (default 56).
   * @asType integer
   * @minimum 16
   * @maximum 128
   */
  ipv6PrefixLength?: number;
  /**
   * Client networks never limited (CIDR), e.g. monitoring or known resolvers.
   * @maxItems 64
   */
  exempt?: CidrPrefix[];
}

/**
 * Identity queries (RFC 5001, RFC 4892): with several pods behind one anycast address, the pod's
 * name tells a user which one answered.
 */
export interface CloudIdentity {
  /** Send the pod's name as NSID to queries that ask for it, `dig +nsid` (RFC 5001; default true). */
  nsid?: boolean;
  /** Answer `dig CH TXT id.server` and `hostname.bind` with the pod's name (RFC 4892; default true; false refuses them). */
  serverId?: boolean;
  /**
   * Answer `dig CH TXT version.bind` and `version.server` with this text; unset (the default)
   * refuses them.
   * @minLength 1
   * @maxLength 255
   * @pattern ^[ -~]+$
   */
  version?: string;
}

export interface CloudAddresses {
  /** @maxItems 16 */
  ipv4?: IPv4Address[];
  /** @maxItems 16 */
  ipv6?: IPv6Address[];
}

export interface CloudService {
  /**
   * How the addresses are announced (default `LoadBalancer`): `LoadBalancer` asks the load
   * balancer (MetalLB, BGP, a cloud LB) for the address as `spec.loadBalancerIP` when there is one
   * (for several, use the load balancer's annotation, e.g. MetalLB's `metallb.io/loadBalancerIPs`);
   * `ClusterIP` and `NodePort` set them as `externalIPs`.
   */
  type?: 'LoadBalancer' | 'ClusterIP' | 'NodePort';
  /** Annotations for the Service, e.g. for MetalLB or a cloud load balancer. */
  annotations?: Record<string, string>;
  /** `Local` keeps client source addresses (needed for ACLs and useful for anycast). */
  externalTrafficPolicy?: 'Local' | 'Cluster';
}

export interface CloudPlacement {
  nodeSelector?: Record<string, string>;
  /** A Pod affinity, as in a Pod spec. */
  affinity?: Record<string, unknown>;
  tolerations?: Array<Record<string, unknown>>;
  topologySpreadConstraints?: Array<Record<string, unknown>>;
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** Written by the cloud controller (operator/cloud), which owns the `Ready` condition. */
export interface NameserverCloudStatus {
  /**
   * Pods asked for (`spec.replicas`, default 2).
   * @asType integer
   */
  replicas?: number;
  /**
   * Ready pods, as the cloud's Deployment counts them.
   * @asType integer
   */
  readyReplicas?: number;
  /**
   * Pods that report serving the cloud's zones to the store (docs/redis.md): `Ready` needs
   * `spec.replicas` of them.
   * @asType integer
   */
  podsServing?: number;
  /** @asType integer */
  observedGeneration?: number;
  conditions?: Condition[];
}
