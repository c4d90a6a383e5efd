import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { runBench } from './run-bench';

/**
 * node:crypto against @noble/curves, signing DNSSEC-sized messages (about 150 octets: an RRSIG
 * header and one record) with P-256 (ECDSAP256SHA256) and Ed25519, one thread, same messages.
 * Run: `npm run build && node dist/dataplane/bench/sign-crypto.js [count]` (default 20,000).
 * The figures are in docs/adr/0014-signing-crypto.md.
 */

type Nist = typeof import('@noble/curves/nist.js', { with: { 'resolution-mode': 'import' } });
type Ed = typeof import('@noble/curves/ed25519.js', { with: { 'resolution-mode': 'import' } });

function time(label: string, count: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(500, count); i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  const perSecond = count / (ns / 1e9);
  console.log(`${label.padEnd(28)} ${(ns / count / 1000).toFixed(1).padStart(7)} µs/signature  ${Math.round(perSecond).toString().padStart(7)} signatures/s`);
  return perSecond;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20_000);
  const nist: Nist = await import('@noble/curves/nist.js');
  const ed: Ed = await import('@noble/curves/ed25519.js');
  const messages = Array.from({ length: 1024 }, (_, i) => new Uint8Array(150).map((_, j) => (i * 31 + j * 7) & 0xff));

  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const p256Raw = new Uint8Array(Buffer.from(p256.export({ format: 'jwk' }).d!, 'base64url'));
  const ed25519 = generateKeyPairSync('ed25519').privateKey;
  const edRaw = new Uint8Array(Buffer.from(ed25519.export({ format: 'jwk' }).d!, 'base64url'));
  const pem = createPrivateKey(p256.export({ format: 'pem', type: 'pkcs8' })).export({ format: 'pem', type: 'pkcs8' });

  console.log(`node ${process.version}, ${count} signatures of 150 octets each`);
  const a = time('P-256 node:crypto', count, (i) => sign('sha256', messages[i & 1023]!, { key: p256, dsaEncoding: 'ieee-p1363' }));
  const b = time('P-256 @noble/curves', count, (i) => nist.p256.sign(messages[i & 1023]!, p256Raw));
  const c = time('Ed25519 node:crypto', count, (i) => sign(null, messages[i & 1023]!, ed25519));
  const d = time('Ed25519 @noble/curves', count, (i) => ed.ed25519.sign(messages[i & 1023]!, edRaw));
  time('P-256 node:crypto, PEM key', Math.min(count, 5000), (i) => sign('sha256', messages[i & 1023]!, { key: pem as string, dsaEncoding: 'ieee-p1363' }));
  console.log(`node:crypto / @noble/curves: P-256 ${(a / b).toFixed(1)}x, Ed25519 ${(c / d).toFixed(1)}x`);
}

runBench(module, main);
