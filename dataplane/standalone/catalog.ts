import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSet } from '../zone/zone-set';
import { ManifestError, readManifestDocuments } from '../manifest/documents';
import { buildZone, isZoneDocument, validateZoneDocument, type BuiltZone } from '../manifest/zone-manifest';
import type { Logger } from '../server/log';

/**
 * The zones of `dnsfleet serve`: read from manifest files, rebuilt on every reload, and never
 * lost to a bad edit. A file that cannot be read or parsed keeps all the zones it had; a zone that
 * fails its checks keeps its previous version; only a zone that is gone from the files goes away.
 */

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ReloadReport {
  readonly zones: number;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** Zones whose content changed (new serial, added or removed). */
  readonly changed: readonly string[];
}

export class ZoneCatalog {
  /** Last good zones per file, by zone name. */
  private lastGood = new Map<string, Map<string, BuiltZone>>();
  private current = new ZoneSet([]);

  constructor(
    private readonly paths: readonly string[],
    private readonly log: Logger,
    private readonly clock: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get zones(): ZoneSet {
    return this.current;
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
    const next = new Map<string, Map<string, BuiltZone>>();
    for (const file of this.files()) {
      const previous = this.lastGood.get(file) ?? new Map<string, BuiltZone>();
      next.set(file, this.loadFile(file, previous, errors, warnings));
    }
    this.lastGood = next;

    const byName = new Map<string, BuiltZone>();
    for (const [file, zones] of next) {
      for (const [name, built] of zones) {
        if (byName.has(name)) {
          errors.push(`${file}: zone ${name} is defined more than once; the first definition is served`);
          continue;
        }
        byName.set(name, built);
      }
    }
    const before = this.current;
    this.current = new ZoneSet([...byName.values()].map((b) => b.zone));
    const changed = diffZones(before, this.current);
    for (const e of errors) this.log.error('manifest rejected', { error: e });
    for (const w of warnings) this.log.warn('manifest warning', { warning: w });
    return { zones: this.current.size, errors, warnings, changed };
  }

  private loadFile(file: string, previous: Map<string, BuiltZone>, errors: string[], warnings: string[]): Map<string, BuiltZone> {
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
        errors.push(`${err.message} (keeping ${previous.size} zone(s) of this file as they were)`);
        return previous;
      }
      throw err;
    }
    const zones = new Map<string, BuiltZone>();
    for (const doc of docs) {
      if (!isZoneDocument(doc)) {
        const kind = (doc.value as { kind?: unknown }).kind;
        warnings.push(`${file}: document ${doc.index + 1}: kind ${JSON.stringify(kind)} is not served by this version; skipped`);
        continue;
      }
      const name = zoneNameOf(doc.value);
      const old = name ? previous.get(name) : undefined;
      try {
        const resource = validateZoneDocument(doc);
        const built = buildZone(doc, resource, old?.managedSerial, this.clock());
        zones.set(built.zone.origin.toString().toLowerCase(), built);
        warnings.push(...built.warnings);
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        if (old) {
          zones.set(name!, old);
          errors.push(`${err.message} (still serving serial ${old.zone.serial})`);
        } else {
          errors.push(`${err.message} (zone not loaded)`);
        }
      }
    }
    return zones;
  }
}

/** The zone name a document asks for, normalised, even when the rest of it is broken. */
function zoneNameOf(value: unknown): string | undefined {
  const name = (value as { spec?: { zoneName?: unknown } }).spec?.zoneName;
  if (typeof name !== 'string' || name.length === 0) return undefined;
  return (name.endsWith('.') ? name : `${name}.`).toLowerCase();
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
