/** The dnsfleet.io/v1alpha1 API: the single source of the CRDs in crds/ and of the manifests `dnsfleet serve` reads. */
export * from './meta';
export * from './zone';
export * from './secondaryzone';
export * from './dnssecpolicy';
export * from './nameservercloud';
