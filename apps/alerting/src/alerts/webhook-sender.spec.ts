import { webhookEventType } from './webhook-sender';

describe('webhookEventType', () => {
  it('tells incident payloads (incidentId, no alertId) from alert payloads, which may carry an incidentId too', () => {
    expect(webhookEventType({ incidentId: 'in_1', rules: [] })).toBe('incident');
    expect(webhookEventType({ alertId: 'al_1', incidentId: 'in_1' })).toBe('alert');
    expect(webhookEventType({ alertId: 'al_1' })).toBe('alert');
    expect(webhookEventType(null)).toBe('alert');
  });
});
