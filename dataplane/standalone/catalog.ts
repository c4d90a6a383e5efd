import { sameBytes } from '../dns/bytes';
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { IncludeReader } from '../dns/zonefile/reader';
import { ZoneSet } from '../zone/zone-set';
import { Name } from '../dns/name';
import { ManifestError, readManifestDocuments } from '../manifest/documents';
import { buildZone, isZoneDocument, validateZoneDocument, type BuiltZone } from '../manifest/zone-manifest';
import { isSecretDocument, readTsigSecret, secretNameOf } from '../manifest/secret-manifest';
import { isSecondaryZoneDocument, readSecondaryZone, type SecondaryZoneManifest } from '../manifest/secondary-manifest';
import { isDnssecPolicyDocument, policyNameOf, readDnssecPolicy, signingAnnotationsOf, type SigningAnnotations } from '../manifest/dnssec-policy-manifest';
import type { SigningPolicy } from '../dnssec/zone-signing';
import type { SecondaryConfig } from '../store/zone-store';
import type { ResolvedSecondary } from '../control/outbound';
import type { TsigKey } from '../dns/tsig';
import type { Logger } from '../log/log';
import { LastGoodZones } from '../runtime/last-good';

/**
 * The zones of `dnsfleet serve`: read from manifest files, rebuilt on every reload, and never
 * lost to a bad edit. A file that cannot be read or parsed keeps all the zones it had; a zone that
 * fails its checks keeps its previous version (the rule every role follows: runtime/last-good.ts);
 * only a zone that is gone from the files goes away.
 */

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ReloadReport {
  readonly zones: number;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** Zones whose content changed (new serial, added or removed). */
  readonly changed: readonly string[];
}

/**
 * How a zone of the files is to be signed: the DNSSECPolicy it names (`spec.dnssecPolicy`) and
 * the annotations the key lifecycle reads (`dnsfleet.io/ds-published`, `rotate-ksk`, `rotate-zsk`).
 */
export interface ZoneSigningConfig {
  /** The policy named; undefined when the zone names none (it is served unsigned, or unsigned safely). */
  readonly policyName?: string;
  /** The named policy, when the files define it (a name without a policy holds the zone's signing as it is). */
  readonly policy?: SigningPolicy;
  readonly annotations: SigningAnnotations;
}

/** A Secret manifest read as a TSIG key, or why it could not be. */
type SecretEntry = { readonly key: TsigKey; readonly error?: undefined } | { readonly key?: undefined; readonly error: string };

interface FileContent {
  /** Zones by name. */
  readonly zones: Map<string, BuiltZone>;
  /** Secrets by metadata.name. */
  readonly secrets: Map<string, SecretEntry>;
  /** SecondaryZone manifests by zone name. */
  readonly secondaryZones?: Map<string, SecondaryZoneManifest>;
  /** Where each zone of `zones` is defined, `file:line` of its document, for duplicate reports. */
  readonly places?: Map<string, string>;
  /** DNSSECPolicy manifests by metadata.name (a broken one keeps its last good definition). */
  readonly policies?: Map<string, SigningPolicy>;
}

export class ZoneCatalog {
  /** Last good content per file. */
  private lastGood = new Map<string, FileContent>();
  private current = new ZoneSet([]);
  private secondaryMap = new Map<string, readonly ResolvedSecondary[]>();
  private keyMap = new Map<string, TsigKey>();
  private secondaryZoneMap = new Map<string, SecondaryConfig>();
  private signingMap = new Map<string, ZoneSigningConfig>();

  constructor(
    private readonly paths: readonly string[],
    private readonly log: Logger,
    private readonly clock: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get zones(): ZoneSet {
    return this.current;
  }

  /** The `spec.secondaries` of each zone (lower-case name with the trailing dot) whose keys resolved. */
  get secondaries(): ReadonlyMap<string, readonly ResolvedSecondary[]> {
    return this.secondaryMap;
  }

  /** The SecondaryZone manifests, as configurations for the transfers in (keys resolved). */
  get secondaryZones(): ReadonlyMap<string, SecondaryConfig> {
    return this.secondaryZoneMap;
  }

  /**
   * The signing of each Zone and SecondaryZone (lower-case name with the trailing dot): its
   * policy and annotations. Zones without an entry name no policy and carry no annotation.
   */
  get signing(): ReadonlyMap<string, ZoneSigningConfig> {
    return this.signingMap;
  }

  /** Every TSIG key a secondary uses, by key name. */
  get keys(): ReadonlyMap<string, TsigKey> {
    return this.keyMap;
  }

  /** Lists the manifest files under the configured paths (directories are read one level deep). */
  files(): string[] {
    const out: string[] = [];
    for (const path of this.paths) {
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        out.push(path); // reported as unreadable by reload()
        continue;
      }
      if (!isDir) out.push(path);
      else {
        for (const entry of readdirSync(path).sort()) {
          if (MANIFEST_EXTENSIONS.some((ext) => entry.endsWith(ext))) out.push(join(path, entry));
        }
      }
    }
    return out;
  }

  reload(): ReloadReport {
    const errors: string[] = [];
    const warnings: string[] = [];
    const next = new Map<string, FileContent>();
    // A manifest that fails validation or its zone's checks is reported in this reload's errors.
    const rebuild = new LastGoodZones<BuiltZone>({ serialOf: (b) => b.zone.serial, report: (f) => errors.push(f.message), rejects: (err) => err instanceof ManifestError });
    for (const file of this.files()) {
      const previous = this.lastGood.get(file) ?? { zones: new Map<string, BuiltZone>(), secrets: new Map<string, SecretEntry>() };
      next.set(file, this.loadFile(file, previous, errors, warnings, rebuild));
    }
    this.lastGood = next;

    const secrets = new Map<string, SecretEntry>();
    for (const [file, content] of next) {
      for (const [name, entry] of content.secrets) {
        if (secrets.has(name)) errors.push(`${file}: Secret ${name} is defined more than once; the first definition is used`);
        else secrets.set(name, entry);
      }
    }
    const byName = new Map<string, BuiltZone>();
    const placeOf = new Map<string, string>();
    for (const [file, { zones, places }] of next) {
      for (const [name, built] of zones) {
        const place = places?.get(name) ?? file;
        if (byName.has(name)) {
          errors.push(`${place}: zone ${name} is defined more than once (first at ${placeOf.get(name)}); the first definition is served`);
          continue;
        }
        byName.set(name, built);
        placeOf.set(name, place);
      }
    }
    const policies = new Map<string, SigningPolicy>();
    for (const [file, content] of next) {
      for (const [name, policy] of content.policies ?? []) {
        if (policies.has(name)) errors.push(`${file}: DNSSECPolicy ${name} is defined more than once; the first definition is used`);
        else policies.set(name, policy);
      }
    }
    const signing = new Map<string, ZoneSigningConfig>();
    const signingOf = (where: string, policyName: string | undefined, annotations: Record<string, string> | undefined): ZoneSigningConfig => {
      const policy = policyName === undefined ? undefined : policies.get(policyName);
      if (policyName !== undefined && !policy) errors.push(`${where}: DNSSECPolicy ${policyName} not found in the manifests; its signing is held as it is`);
      return { ...(policyName !== undefined ? { policyName } : {}), ...(policy ? { policy } : {}), annotations: signingAnnotationsOf(annotations) };
    };
    for (const [name, built] of byName) signing.set(name, signingOf(`zone ${name}`, built.resource.spec.dnssecPolicy, built.resource.metadata.annotations));
    this.signingMap = signing;
    const before = this.current;
    this.current = new ZoneSet([...byName.values()].map((b) => b.zone));
    this.resolveCustomerSecondaries(byName, secrets, errors);
    this.secondaryZoneMap = new Map();
    for (const [file, content] of next) {
      for (const [origin, m] of content.secondaryZones ?? []) {
        if (byName.has(origin)) {
          errors.push(`${file}: SecondaryZone ${origin} is also a Zone; the Zone is served`);
          continue;
        }
        if (this.secondaryZoneMap.has(origin)) {
          errors.push(`${file}: SecondaryZone ${origin} is defined more than once; the first definition is used`);
          continue;
        }
        let tsig: SecondaryConfig['tsig'];
        if (m.tsigSecret) {
          const entry = secrets.get(m.tsigSecret);
          if (!entry?.key) {
            errors.push(`${file}: SecondaryZone ${origin}: Secret ${m.tsigSecret} ${entry ? `unusable: ${entry.error}` : 'not found in the manifests'}; not transferred`);
            continue;
          }
          tsig = { name: entry.key.name, algorithm: entry.key.algorithm, secret: Buffer.from(entry.key.secret).toString('base64') };
        }
        this.secondaryZoneMap.set(origin, { origin, primaries: m.primaries, clouds: 'all', ...(tsig ? { tsig } : {}), ...(m.refresh ? { refresh: m.refresh } : {}) });
        signing.set(origin, signingOf(`SecondaryZone ${origin}`, m.dnssecPolicy, m.annotations));
      }
    }
    const changed = diffZones(before, this.current);
    for (const e of errors) this.log.error('manifest rejected', { error: e });
    for (const w of warnings) this.log.warn('manifest warning', { warning: w });
    return { zones: this.current.size, errors, warnings, changed };
  }

  /**
   * Each zone's secondaries with their keys. A secondary whose Secret is missing or unusable is
   * left out (not allowed to transfer, not notified) and reported; so is one whose key name
   * another Secret already uses with a different secret, as a key name must mean one key.
   */
  private resolveCustomerSecondaries(zones: Map<string, BuiltZone>, secrets: Map<string, SecretEntry>, errors: string[]): void {
    const byZone = new Map<string, ResolvedSecondary[]>();
    const keys = new Map<string, TsigKey>();
    for (const [zone, built] of zones) {
      const list: ResolvedSecondary[] = [];
      (built.resource.spec.secondaries ?? []).forEach((s, i) => {
        const where = `zone ${zone}: spec.secondaries[${i}] (${s.address})`;
        const ref = s.tsigKeySecretRef?.name;
        if (ref === undefined) {
          list.push({ address: s.address, port: s.port ?? 53 });
          return;
        }
        const entry = secrets.get(ref);
        if (!entry) return void errors.push(`${where}: Secret ${ref} not found in the manifests; this secondary is left out`);
        if (!entry.key) return void errors.push(`${where}: ${entry.error}; this secondary is left out`);
        const known = keys.get(entry.key.name);
        if (known && (known.algorithm !== entry.key.algorithm || !sameBytes(known.secret, entry.key.secret))) {
          return void errors.push(`${where}: Secret ${ref}: key ${entry.key.name} is already defined by another Secret with a different secret; this secondary is left out`);
        }
        keys.set(entry.key.name, known ?? entry.key);
        list.push({ address: s.address, port: s.port ?? 53, key: known ?? entry.key });
      });
      if (list.length > 0) byZone.set(zone, list);
    }
    this.secondaryMap = byZone;
    this.keyMap = keys;
  }

  private loadFile(file: string, previous: FileContent, errors: string[], warnings: string[], rebuild: LastGoodZones<BuiltZone>): FileContent {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push(`${file}: cannot read: ${(err as Error).message}`);
      return previous;
    }
    let docs;
    try {
      docs = readManifestDocuments(text, file);
    } catch (err) {
      if (err instanceof ManifestError) {
        errors.push(`${err.message} (keeping ${previous.zones.size} zone(s) of this file as they were)`);
        return previous;
      }
      throw err;
    }
    const zones = new Map<string, BuiltZone>();
    const secrets = new Map<string, SecretEntry>();
    const secondaryZones = new Map<string, SecondaryZoneManifest>();
    const policies = new Map<string, SigningPolicy>();
    // Each zone name's first document in this file: a second one is an error naming both, as
    // across files (issue 14: it used to replace the first silently).
    const places = new Map<string, string>();
    for (const doc of docs) {
      if (isSecondaryZoneDocument(doc)) {
        const name = zoneNameOf(doc.value);
        try {
          const m = readSecondaryZone(doc);
          secondaryZones.set(m.origin, m);
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
          const old = name ? previous.secondaryZones?.get(name) : undefined;
          if (old) secondaryZones.set(name!, old);
          errors.push(`${err.message}${old ? ' (keeping its previous definition)' : ' (not transferred)'}`);
        }
        continue;
      }
      if (isDnssecPolicyDocument(doc)) {
        const name = policyNameOf(doc);
        try {
          const m = readDnssecPolicy(doc);
          policies.set(m.name, m.policy);
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
          const old = name ? previous.policies?.get(name) : undefined;
          if (old) policies.set(name!, old);
          errors.push(`${err.message}${old ? ' (keeping its previous definition)' : ' (its zones are held as they are)'}`);
        }
        continue;
      }
      if (isSecretDocument(doc)) {
        const name = secretNameOf(doc) ?? `#${doc.index + 1}`;
        try {
          secrets.set(name, { key: readTsigSecret(doc) });
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
          secrets.set(name, { error: err.message });
        }
        continue;
      }
      if (!isZoneDocument(doc)) {
        const kind = (doc.value as { kind?: unknown }).kind;
        warnings.push(`${file}: document ${doc.index + 1}: kind ${JSON.stringify(kind)} is not served by this version; skipped`);
        continue;
      }
      const name = zoneNameOf(doc.value);
      const place = `${file}:${doc.lineOf([]) ?? 1}`;
      if (name !== undefined) {
        const first = places.get(name);
        if (first !== undefined) {
          errors.push(`${place}: zone ${name} is defined more than once in this file (first at ${first}); the first definition is served`);
          continue;
        }
        places.set(name, place);
      }
      const old = name ? previous.zones.get(name) : undefined;
      const result = rebuild.rebuild(name ?? place, old, () => buildZone(doc, validateZoneDocument(doc), old?.managedSerial, this.clock(), { include: includeReader(file) }));
      if (result.state === 'built') {
        zones.set(result.zone.zone.origin.toString().toLowerCase(), result.zone);
        warnings.push(...result.zone.warnings);
      } else if (result.state === 'kept-last-good') {
        zones.set(name!, result.zone);
      }
    }
    return { zones, secrets, secondaryZones, places, policies };
  }
}

/**
 * `$INCLUDE` for the zones of a manifest file: names are relative to the manifest's directory,
 * and only files in it or below may be read (symbolic links are followed first, then checked),
 * so a manifest cannot read other files of the host.
 */
export function includeReader(manifest: string): IncludeReader {
  const dir = dirname(manifest);
  return (name: string) => {
    let base: string;
    try {
      base = realpathSync(dir);
    } catch (err) {
      throw new Error(`cannot read the manifest's directory: ${(err as Error).message}`);
    }
    const inside = (path: string): boolean => {
      const rel = relative(base, path);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    };
    const refused = `refused: only files in the manifest's directory ${dir} or below may be included`;
    if (!inside(resolve(base, name))) throw new Error(refused);
    let real: string;
    try {
      real = realpathSync(resolve(base, name));
    } catch (err) {
      throw new Error(`cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!inside(real)) throw new Error(`${refused} (it is a link to ${real})`);
    let text: string;
    try {
      text = readFileSync(real, 'utf8');
    } catch (err) {
      throw new Error(`cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return { text, source: join(dir, relative(base, real)) };
  };
}

/**
 * The zone name a document asks for, normalised (absolute, lower case, escapes resolved as the
 * zone's origin will be), even when the rest of it is broken.
 */
function zoneNameOf(value: unknown): string | undefined {
  const name = (value as { spec?: { zoneName?: unknown } }).spec?.zoneName;
  if (typeof name !== 'string' || name.length === 0) return undefined;
  const absolute = name.endsWith('.') ? name : `${name}.`;
  try {
    return Name.fromText(absolute).toString().toLowerCase();
  } catch {
    return absolute.toLowerCase();
  }
}

function diffZones(before: ZoneSet, after: ZoneSet): string[] {
  const changed: string[] = [];
  for (const zone of after.zones()) {
    const old = before.get(zone.origin);
    if (!old || old.serial !== zone.serial || old.recordCount !== zone.recordCount) changed.push(zone.origin.toString());
  }
  for (const zone of before.zones()) if (!after.get(zone.origin)) changed.push(zone.origin.toString());
  return changed;
}

