import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header every signed delivery carries (sent lower-case, as HTTP/2 and fetch do). */
export const WEBHOOK_SIGNATURE_HEADER = 'bellwether-signature';

/**
 * The `Bellwether-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * (Stripe-style, so a receiver can verify the body and reject replays by the timestamp). Alerting's
 * webhook and playbook's webhook and email steps sign the same way.
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/**
 * What a receiver does: true when `header` is a `signWebhook` value of `body` under `secret` whose
 * timestamp is within `toleranceSeconds` of `nowSeconds` (default 300 s). Never throws; a malformed
 * header is false. Compares digests in constant time.
 */
export function verifyWebhookSignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const digest = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(digest)) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(digest, 'hex'));
}
