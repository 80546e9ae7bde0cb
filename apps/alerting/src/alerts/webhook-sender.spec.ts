import { createHmac } from 'node:crypto';
import { signWebhook } from './webhook-sender';

describe('signWebhook', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, so a receiver can verify and reject replays', () => {
    const body = '{"eventId":"al_1:1"}';
    const expected = createHmac('sha256', 'a-secret-of-16+chars').update(`1700000000.${body}`).digest('hex');
    expect(signWebhook('a-secret-of-16+chars', body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
    expect(signWebhook('another-secret-16chars', body, 1700000000)).not.toBe(`t=1700000000,v1=${expected}`);
  });
});
