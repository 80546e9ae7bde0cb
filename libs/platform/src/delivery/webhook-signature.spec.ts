import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('signWebhook', () => {
  // Moved from apps/alerting/src/alerts/webhook-sender.spec.ts with the function.
  it('signs "<timestamp>.<body>" with HMAC-SHA256, so a receiver can verify and reject replays', () => {
    const body = '{"eventId":"al_1:1"}';
    const expected = createHmac('sha256', 'a-secret-of-16+chars').update(`1700000000.${body}`).digest('hex');
    expect(signWebhook('a-secret-of-16+chars', body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
    expect(signWebhook('another-secret-16chars', body, 1700000000)).not.toBe(`t=1700000000,v1=${expected}`);
  });
});

describe('verifyWebhookSignature', () => {
  const secret = 'a-secret-of-16+chars';
  const body = '{"deliveryId":"d1"}';
  const header = signWebhook(secret, body, 1700000000);

  it('accepts the signature of the body within the tolerance', () => {
    expect(verifyWebhookSignature(secret, body, header, 1700000100)).toBe(true);
  });

  it('rejects another secret, another body, an old timestamp and a malformed header', () => {
    expect(verifyWebhookSignature('another-secret-16chars', body, header, 1700000000)).toBe(false);
    expect(verifyWebhookSignature(secret, `${body} `, header, 1700000000)).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, 1700000301)).toBe(false);
    expect(verifyWebhookSignature(secret, body, 'v1=abc', 1700000000)).toBe(false);
    expect(verifyWebhookSignature(secret, body, '', 1700000000)).toBe(false);
  });
});
