import { createHmac } from 'node:crypto';
import { signWebhook, webhookEventType } from './webhook-sender';

describe('signWebhook', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, so a receiver can verify and reject replays', () => {
    const body = '{"eventId":"al_1:1"}';
    const expected = createHmac('sha256', 'a-secret-of-16+chars').update(`1700000000.${body}`).digest('hex');
    expect(signWebhook('a-secret-of-16+chars', body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
    expect(signWebhook('another-secret-16chars', body, 1700000000)).not.toBe(`t=1700000000,v1=${expected}`);
  });
});

describe('webhookEventType', () => {
  it('tells incident payloads (incidentId, no alertId) from alert payloads, which may carry an incidentId too', () => {
    expect(webhookEventType({ incidentId: 'in_1', rules: [] })).toBe('incident');
    expect(webhookEventType({ alertId: 'al_1', incidentId: 'in_1' })).toBe('alert');
    expect(webhookEventType({ alertId: 'al_1' })).toBe('alert');
    expect(webhookEventType(null)).toBe('alert');
  });
});
