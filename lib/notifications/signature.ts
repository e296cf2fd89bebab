import { createHmac, timingSafeEqual } from 'node:crypto';

// Webhook signatures, as Stripe signs: the header `X-IdM-Signature: t=<unix seconds>,v1=<hex>`
// where hex = HMAC-SHA256(secret, `${t}.${body}`). The timestamp is signed too, so a receiver can
// refuse replays older than a few minutes. README "Notifications" shows how to verify.

export const SIGNATURE_HEADER = 'X-IdM-Signature';

export function signPayload(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** Checks a signature header against the body; false when it does not match or is older than `toleranceSeconds`. */
export function verifySignature(secret: string, body: string, header: string, options: { toleranceSeconds?: number; now?: number } = {}): boolean {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
