import type { Token } from '../rdata/codec';
import { DnsfleetError } from '../error';

/**
 * Splits master-file text into entries of tokens (RFC 1035 §5.1).
 *
 * - Whitespace separates tokens; a newline ends an entry unless parentheses are open.
 * - `;` starts a comment to the end of the line (not inside quotes, not escaped).
 * - `"…"` is one token that may hold spaces, `;` and parentheses; a quote inside an unquoted token
 *   (`alpn="h2,h3"`) continues that token.
 * - Escapes (`\X`, `\DDD`) are kept raw in the token text: each field decodes them as it needs.
 * - An entry whose line starts with a blank repeats the previous owner.
 *
 * One pass over the text, no backtracking: linear in the input, whatever it holds.
 */

export interface Entry {
  readonly tokens: Token[];
  /** Line (from 1) where the entry starts. */
  readonly line: number;
  readonly ownerOmitted: boolean;
}

export class TokenizeError extends DnsfleetError {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`, { line });
    this.name = 'TokenizeError';
  }
}

/** 1 for the characters that neither end a token nor start an escape or a quoted part. */
const PLAIN = (() => {
  const t = new Uint8Array(65536).fill(1);
  for (const c of ' \t\r\n;()\\"') t[c.charCodeAt(0)] = 0;
  return t;
})();

export function tokenize(text: string): Entry[] {
  return [...entries(text)];
}

/** The entries of a text one at a time, so a zone of a million records is never held twice. */
export function* entries(text: string): Generator<Entry> {
  let tokens: Token[] = [];
  let entryLine = 1;
  let ownerOmitted = false;
  let line = 1;
  let depth = 0;
  let parenLine = 0;
  let atLineStart = true;
  let i = 0;

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      if (depth === 0 && tokens.length > 0) {
        yield { tokens, line: entryLine, ownerOmitted };
        tokens = [];
      }
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      // RFC 1035 §5.1: a blank at the start of an entry means the owner is omitted.
      if (atLineStart && depth === 0 && tokens.length === 0) {
        ownerOmitted = true;
        entryLine = line;
      }
      atLineStart = false;
      i++;
      continue;
    }
    if (atLineStart && depth === 0 && tokens.length === 0) {
      ownerOmitted = false;
      entryLine = line;
    }
    atLineStart = false;
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    // RFC 1035 §5.1: parentheses continue an entry over line ends.
    if (c === '(') {
      if (depth === 0) parenLine = line;
      depth++;
      i++;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw new TokenizeError(line, 'closing parenthesis without an opening one');
      depth--;
      i++;
      continue;
    }
    // After an empty `( … )` group the entry really starts with this token.
    if (tokens.length === 0 && depth === 0 && entryLine !== line) entryLine = line;
    // A token: quoted, or unquoted up to a separator (possibly with a quoted part inside).
    let value = '';
    const startedQuoted = c === '"';
    while (i < text.length) {
      const ch = text[i]!;
      // RFC 1035 §5.1: `\X` quotes X, so an escaped blank, `;` or parenthesis is part of the token.
      if (ch === '\\') {
        if (i + 1 >= text.length || text[i + 1] === '\n') throw new TokenizeError(line, 'backslash at the end of a line');
        value += ch + text[i + 1]!;
        i += 2;
        continue;
      }
      if (ch === '"') {
        const start = line;
        i++;
        let closed = false;
        while (i < text.length) {
          const q = text[i]!;
          if (q === '\\') {
            if (i + 1 >= text.length) break;
            if (text[i + 1] === '\n') line++;
            value += q + text[i + 1]!;
            i += 2;
            continue;
          }
          if (q === '"') {
            closed = true;
            i++;
            break;
          }
          if (q === '\n') break;
          value += q;
          i++;
        }
        if (!closed) throw new TokenizeError(start, 'unterminated quoted string');
        if (startedQuoted) break;
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === ';' || ch === '(' || ch === ')') break;
      // A run of plain characters is taken in one slice, not one character at a time: a signed
      // zone's lines are mostly long base64 and base32hex tokens.
      let end = i + 1;
      while (end < text.length && PLAIN[text.charCodeAt(end)] === 1) end++;
      value += text.slice(i, end);
      i = end;
    }
    // `key="value"` is one unquoted token for the SvcParams reader; a plain "…" is a quoted token.
    tokens.push({ text: value, quoted: startedQuoted });
  }
  if (depth > 0) throw new TokenizeError(parenLine, 'parenthesis opened here is never closed');
  if (tokens.length > 0) yield { tokens, line: entryLine, ownerOmitted };
}

/** Tokens of one record's rdata written on its own, as manifests hold it (`10 mail`, `"a" "b"`). */
export function tokenizeRdata(text: string): Token[] {
  return tokenize(text.replace(/^[ \t]+/, '')).flatMap((e) => e.tokens);
}
