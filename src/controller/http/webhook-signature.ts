// A webhook's signature as GitHub sends it: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256
// of the raw request body under the shared secret. Compared in constant time (timingSafeEqual on
// two 32-byte digests); anything not of that exact form is simply wrong, never compared.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

const FORM = /^sha256=([0-9a-fA-F]{64})$/;

export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const match = FORM.exec(header.trim());
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
