import { readFileSync } from 'node:fs';
import { DnsfleetError } from '../dns/error';

/**
 * The fleet's key-encryption key (KEK, ADR 0015): 32 random octets, base64, that open the private
 * keys of the signing orders in the store (AES-256-GCM, dnssec/signing-order.ts). The operator
 * makes it once, in the Secret `dnsfleet-key-encryption` (key `key`); the control server reads it
 * from `DNSFLEET_KEY_ENCRYPTION_KEY` or from a file (`--key-encryption-key-file`, the Secret
 * mounted as a volume). It is never logged.
 */

export const KEK_ENV = 'DNSFLEET_KEY_ENCRYPTION_KEY';

export class KeyEncryptionKeyError extends DnsfleetError {}

/** The 32 octets of a base64 KEK; `source` names where it came from in the error (never the value). */
export function parseKeyEncryptionKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  // Buffer.from(…, 'base64') skips what is not base64 silently: check the alphabet first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new KeyEncryptionKeyError(`the key-encryption key in ${source} is not base64`, { source });
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new KeyEncryptionKeyError(`the key-encryption key in ${source} has ${key.length} octets, not 32 (AES-256): make one with \`openssl rand -base64 32\``, { source, length: key.length });
  return new Uint8Array(key);
}

/** The KEK from `file` when given, else from the environment; undefined when neither has one. */
export function loadKeyEncryptionKey(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Uint8Array | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new KeyEncryptionKeyError(`the key-encryption key file ${file} cannot be read: ${(err as Error).message}`, { file }, { cause: err });
    }
    return parseKeyEncryptionKey(text, file);
  }
  const value = env[KEK_ENV];
  return value === undefined || value === '' ? undefined : parseKeyEncryptionKey(value, KEK_ENV);
}
