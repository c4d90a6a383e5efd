import { signRequest, TsigResponseVerifier, type TsigKey } from '../dns/tsig';
import type { RequestSigner } from './client';

/**
 * TSIG for the transfer client (RFC 8945): each request is signed with `key`, and every message
 * of the answer is checked against the request's MAC (§5.3.1 for multi-message transfers).
 */
export function tsigSigner(key: TsigKey, now: () => number = () => Math.floor(Date.now() / 1000)): RequestSigner {
  return {
    sign(query) {
      const { wire, mac } = signRequest(query, key, now());
      return { wire, verifier: new TsigResponseVerifier(key, mac) };
    },
  };
}
