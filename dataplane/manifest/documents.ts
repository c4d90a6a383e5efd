import { LineCounter, parseAllDocuments, isNode, isScalar, Scalar, visit, type Alias, type Document } from 'yaml';
import { DnsfleetError } from '../dns/error';

/**
 * Multi-document YAML manifests, as `kubectl apply -f` reads them, with every value traceable to
 * its line so that errors name the place.
 */

export class ManifestError extends DnsfleetError {
  constructor(
    readonly source: string,
    readonly line: number | undefined,
    readonly path: string | undefined,
    readonly detail: string,
  ) {
    super(`${source}${line !== undefined ? `:${line}` : ''}: ${path ? `${path}: ` : ''}${detail}`, { source, line, path });
    this.name = 'ManifestError';
  }
}

export type PathSegment = string | number;

export interface ManifestDocument {
  readonly source: string;
  /** Position of the document in its file, from 0. */
  readonly index: number;
  /** The document as plain data. */
  readonly value: unknown;
  /** The line (from 1) where the value at `path` starts, or the document's first line. */
  lineOf(path: readonly PathSegment[]): number | undefined;
  /**
   * The file line of line `line` (from 1) of the string at `path`, when that string is a literal
   * block scalar (`key: |`), whose lines are the file's lines one for one; otherwise undefined.
   */
  textLineOf(path: readonly PathSegment[], line: number): number | undefined;
}

export function readManifestDocuments(text: string, source: string): ManifestDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) {
    // The yaml package returns an EmptyStream for a file with no documents.
    return [];
  }
  const out: ManifestDocument[] = [];
  docs.forEach((doc: Document.Parsed, index) => {
    const first = doc.errors[0];
    if (first) {
      const line = first.linePos?.[0]?.line ?? lines.linePos(first.pos[0]).line;
      throw new ManifestError(source, line, undefined, `invalid YAML: ${first.message.split('\n')[0]}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // The yaml package finds an alias without its anchor, and too many aliases (a "billion
      // laughs"), only here, and throws a ReferenceError for both (found by fuzzing).
      if (!(err instanceof ReferenceError)) throw err;
      const at = unresolvedAlias(doc)?.range?.[0] ?? doc.range[0];
      throw new ManifestError(source, lines.linePos(at).line, undefined, `invalid YAML: ${err.message}`);
    }
    if (value === null || value === undefined) return; // an empty document between `---` lines
    out.push({
      source,
      index,
      value,
      lineOf(path) {
        for (let depth = path.length; depth >= 0; depth--) {
          const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
          if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
        }
        return undefined;
      },
      textLineOf(path, line) {
        const node = doc.getIn(path, true);
        if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || !node.range) return undefined;
        // The header (`|`, `|-`, `|2` …) is on the key's line; the text starts on the next one.
        return lines.linePos(node.range[0]).line + line;
      },
    });
  });
  return out;
}

/** The first alias of the document whose anchor is not set before it, if any. */
function unresolvedAlias(doc: Document.Parsed): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** `spec.rrsets[2].records[0]` from a path. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}
