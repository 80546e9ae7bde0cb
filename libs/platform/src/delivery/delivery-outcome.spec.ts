import { deliveryOutcome } from './delivery-outcome';

describe('deliveryOutcome', () => {
  const policy = { backoff: { initialMs: 1000, maxMs: 8000, factor: 2 }, maxAttempts: 3 };
  const noJitter = () => 0.5;

  it('counts a 2xx answer as delivered, with this attempt counted', () => {
    expect(deliveryOutcome(0, null, policy, 0)).toEqual({ kind: 'delivered', attempts: 1 });
  });

  it('retries after the exponential backoff of the attempt, measured from now', () => {
    expect(deliveryOutcome(0, 'answered 500', policy, 10_000, noJitter)).toEqual({ kind: 'retry', attempts: 1, error: 'answered 500', nextAttemptAtMs: 11_000 });
    expect(deliveryOutcome(1, 'answered 500', policy, 10_000, noJitter)).toEqual({ kind: 'retry', attempts: 2, error: 'answered 500', nextAttemptAtMs: 12_000 });
  });

  it('gives up once the attempts reach the maximum', () => {
    expect(deliveryOutcome(2, 'fetch failed', policy, 0)).toEqual({ kind: 'failed', attempts: 3, error: 'fetch failed' });
  });

  it('fails a permanent refusal at once, whatever attempts are left', () => {
    expect(deliveryOutcome(0, { error: 'answered 550 5.1.1 no such user', permanent: true }, policy, 0)).toEqual({ kind: 'failed', attempts: 1, error: 'answered 550 5.1.1 no such user' });
  });

  it('retries a transient failure given as a DeliveryFailure like a string one', () => {
    expect(deliveryOutcome(1, { error: 'answered 451 try later', permanent: false }, policy, 10_000, noJitter)).toEqual({ kind: 'retry', attempts: 2, error: 'answered 451 try later', nextAttemptAtMs: 12_000 });
  });
});
