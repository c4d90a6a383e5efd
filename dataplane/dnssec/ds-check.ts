import type { Name } from '../dns/name';
import type { DigestType, DsMismatch, ParsedDs, SigningKey } from './keys';
import { checkDs, DsParseError, keyTag, parseDs } from './keys';

/**
 * The DS confirmation of ScaiDNS's `confirm-ds-published`, the Kubernetes way: the user writes
 * the DS record(s) they published at the parent into the annotation `dnsfleet.io/ds-published`
 * (presentation format, several separated by newlines or `;`), or a bare key tag, or `none` once
 * the DS is gone. Checked against the keys whose DS the parent should have now (the current KSK or
 * CSK, the new one during a rollover): a match confirms (the lifecycle's `dsSeen`), anything else
 * says exactly what did not match, for a Warning Event and the condition's reason. Pure.
 */

/** The condition reasons (and Event reasons) of a DS confirmation. */
export const DSCheckReason = {
  Confirmed: 'DSConfirmed',
  Removed: 'DSRemovedConfirmed',
  Unparsable: 'DSUnparsable',
  WrongOwner: 'DSWrongOwner',
  WrongKeyTag: 'DSWrongKeyTag',
  WrongAlgorithm: 'DSWrongAlgorithm',
  WrongDigestType: 'DSWrongDigestType',
  WrongDigest: 'DSWrongDigest',
  NoKey: 'DSNotExpected',
} as const;
export type DSCheckReason = (typeof DSCheckReason)[keyof typeof DSCheckReason];

const REASON_OF: Record<DsMismatch, DSCheckReason> = {
  owner: DSCheckReason.WrongOwner,
  keyTag: DSCheckReason.WrongKeyTag,
  algorithm: DSCheckReason.WrongAlgorithm,
  digestType: DSCheckReason.WrongDigestType,
  digest: DSCheckReason.WrongDigest,
};

export type DsCheckResult =
  /** Every wanted key has a matching DS (or its tag): confirm these tags (`dsSeen`). */
  | { readonly ok: true; readonly kind: 'confirmed'; readonly tags: readonly number[]; readonly reason: typeof DSCheckReason.Confirmed; readonly message: string }
  /** `none`: the user says the parent publishes no DS any more (`dsGone`). */
  | { readonly ok: true; readonly kind: 'removed'; readonly reason: typeof DSCheckReason.Removed; readonly message: string }
  /** Nothing is confirmed; the state stays as it is. `mismatches` names every field that differed. */
  | { readonly ok: false; readonly reason: DSCheckReason; readonly message: string; readonly mismatches: readonly DsMismatch[] };

export interface DsCheckOptions {
  /** The zone's apex. */
  readonly owner: Name;
  /** The keys whose DS the parent should publish now (KSK or CSK). */
  readonly keys: readonly SigningKey[];
  /** The digest types of the policy (`dsDigestTypes`); a DS of another type is refused. */
  readonly digestTypes: readonly DigestType[];
}

/** Checks the annotation's value; see the module comment. */
export function checkDsAnnotation(value: string, options: DsCheckOptions): DsCheckResult {
  const text = value.trim();
  const tags = options.keys.map((k) => keyTag(k));
  const wanted = tags.length === 0 ? 'no DS is wanted now' : `the DS wanted is for key tag ${tags.join(', ')}`;
  if (/^none$/i.test(text)) return { ok: true, kind: 'removed', reason: DSCheckReason.Removed, message: 'the DS is confirmed gone from the parent' };
  if (options.keys.length === 0) return { ok: false, reason: DSCheckReason.NoKey, message: `${wanted}: nothing to confirm`, mismatches: [] };
  if (text === '') return unparsable('the annotation is empty');

  // A bare key tag (RcodeZero's dsupdate acknowledgement).
  if (/^\d+$/.test(text)) {
    const tag = Number(text);
    if (tag > 0xffff) return unparsable(`"${text}" is not a key tag (0..65535)`);
    if (tags.includes(tag)) return confirmed([tag], `key tag ${tag} confirmed`);
    return { ok: false, reason: DSCheckReason.WrongKeyTag, message: `key tag ${tag} is not the key's: ${wanted}`, mismatches: ['keyTag'] };
  }

  const parsed: ParsedDs[] = [];
  for (const part of text.split(/[\n;]+/).map((p) => p.trim()).filter((p) => p !== '')) {
    try {
      parsed.push(parseDs(part));
    } catch (err) {
      if (err instanceof DsParseError) return unparsable(err.message);
      throw err;
    }
  }
  const matched = new Set<number>();
  // The wrong DS is reported against the key it was most likely meant for: the one with its key
  // tag, else the one it differs least from.
  let closest: { ds: ParsedDs; problems: DsMismatch[]; rank: number } | undefined;
  for (const ds of parsed) {
    for (const key of options.keys) {
      const problems = checkDs(ds, options.owner, key);
      // RFC 8624 §3.3: only the digest types the policy names are made and accepted.
      if (!problems.includes('digestType') && !options.digestTypes.includes(ds.digestType as DigestType)) problems.splice(problems.includes('digest') ? problems.indexOf('digest') : problems.length, 0, 'digestType');
      if (problems.length === 0) {
        matched.add(keyTag(key));
        continue;
      }
      const rank = (ds.keyTag === keyTag(key) ? 0 : 100) + problems.length;
      if (closest === undefined || rank < closest.rank) closest = { ds, problems, rank };
    }
  }
  const missing = tags.filter((t) => !matched.has(t));
  if (missing.length === 0) return confirmed(tags, `DS for key tag ${tags.join(', ')} confirmed`);
  if (closest === undefined) return { ok: false, reason: DSCheckReason.WrongKeyTag, message: `no DS for key tag ${missing.join(', ')}: ${wanted}`, mismatches: ['keyTag'] };
  const first = closest.problems[0]!;
  return {
    ok: false,
    reason: REASON_OF[first],
    message: `DS ${closest.ds.keyTag} ${closest.ds.algorithm} ${closest.ds.digestType} does not match: ${closest.problems.map((p) => describe(p, closest!.ds, options)).join('; ')} (${wanted})`,
    mismatches: closest.problems,
  };
}

function confirmed(tags: number[], message: string): DsCheckResult {
  return { ok: true, kind: 'confirmed', tags, reason: DSCheckReason.Confirmed, message };
}

function unparsable(why: string): DsCheckResult {
  return { ok: false, reason: DSCheckReason.Unparsable, message: `not a DS record or key tag: ${why}`, mismatches: [] };
}

function describe(p: DsMismatch, ds: ParsedDs, o: DsCheckOptions): string {
  switch (p) {
    case 'owner':
      return `owner ${ds.owner?.toString()} is not ${o.owner.toString()}`;
    case 'keyTag':
      return `key tag ${ds.keyTag} is not ${o.keys.map((k) => keyTag(k)).join(' or ')}`;
    case 'algorithm':
      return `algorithm ${ds.algorithm} is not ${[...new Set(o.keys.map((k) => k.algorithm))].join(' or ')}`;
    case 'digestType':
      return `digest type ${ds.digestType} is not ${o.digestTypes.join(' or ')}`;
    case 'digest':
      return 'the digest differs';
  }
}
