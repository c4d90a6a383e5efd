import { DnsfleetError } from '../dataplane/dns/error';
import { parseRdata } from '../dataplane/dns/rdata/registry';
import { tokenizeRdata } from '../dataplane/dns/zonefile/tokenizer';
import { typeFromString } from '../dataplane/dns/constants';
import { ManifestError } from '../dataplane/manifest/documents';
import { apiObjectLocator, buildZone } from '../dataplane/manifest/zone-manifest';
import type { Zone } from '../crds/v1alpha1/zone';
import { UnprocessableError } from './errors';
import type { DisabledRecord } from './rrsets';
import { originOf } from './rrsets';

/**
 * A Zone as a PATCH would leave it, checked by the zone model the operator builds it with
 * (dataplane/manifest/zone-manifest.ts `buildZone`: every record's rdata, then the zone checks:
 * CNAME beside other data, records out of zone, …), before anything is written: what the
 * operator would refuse (and mark `InvalidZone`) is refused here with the same words.
 */
export function checkZone(zone: Zone, disabled: readonly DisabledRecord[], nowSeconds: number): void {
  const spec = zone.spec;
  // The manifest paths (spec.rrsets[3].records[0]) mean nothing to a REST caller: name the RRset.
  const place = (text: string): string =>
    text.replace(/spec\.rrsets\[(\d+)\](?:\.records\[(\d+)\])?(?:\.(name|type))?/g, (_m, i: string, j: string | undefined) => {
      const r = spec.rrsets?.[Number(i)];
      if (!r) return 'spec.rrsets';
      const owner = r.name === '@' ? originOf(zone).toString() : r.name.endsWith('.') ? r.name : `${r.name}.${originOf(zone).toString()}`;
      return `RRset ${owner} ${r.type}${j !== undefined ? ` record "${r.records[Number(j)] ?? ''}"` : ''}`;
    });
  try {
    buildZone(apiObjectLocator('Zone', zone.metadata.namespace, zone.metadata.name), zone, undefined, nowSeconds);
  } catch (err) {
    if (err instanceof ManifestError) {
      const where = err.path ? `${place(err.path)}: ` : '';
      throw new UnprocessableError(`the zone ${spec.zoneName} would be refused: ${where}${place(err.detail)}; nothing was changed`, { zone: spec.zoneName });
    }
    throw err;
  }
  // Disabled records are not served, so the zone checks do not see them; their data must still parse.
  const origin = originOf(zone);
  for (const d of disabled) {
    const type = typeFromString(d.type);
    try {
      if (type === undefined) throw new DnsfleetError(`unknown type ${d.type}`);
      parseRdata(type, tokenizeRdata(d.content), origin);
    } catch (err) {
      if (err instanceof DnsfleetError) throw new UnprocessableError(`the zone ${spec.zoneName} would be refused: RRset ${d.name} ${d.type} record "${d.content}" (disabled): ${err.message}; nothing was changed`, { zone: spec.zoneName });
      throw err;
    }
  }
}
