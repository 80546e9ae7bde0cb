import { crashRecovery } from './crash-recovery';

const policy = { maxAttempts: 5, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } };
const noJitter = () => 0.5;

describe('crashRecovery', () => {
  it('leaves a crash kafkajs restarts from to kafkajs', () => {
    expect(crashRecovery({ restart: true }, { stopping: false, restartsSinceJoin: 0 }, policy, noJitter)).toEqual({ action: 'wait', why: 'kafkajs restarts it' });
  });

  it('restarts a crash kafkajs will not restart, with the backoff of the attempt', () => {
    expect(crashRecovery({ restart: false }, { stopping: false, restartsSinceJoin: 0 }, policy, noJitter)).toEqual({ action: 'restart', attempt: 1, delayMs: 100 });
    expect(crashRecovery({ restart: false }, { stopping: false, restartsSinceJoin: 3 }, policy, noJitter)).toEqual({ action: 'restart', attempt: 4, delayMs: 800 });
  });

  it('restarts up to the configured attempts, then gives up: never up but not consuming', () => {
    expect(crashRecovery({ restart: false }, { stopping: false, restartsSinceJoin: 4 }, policy, noJitter)).toMatchObject({ action: 'restart', attempt: 5 });
    expect(crashRecovery({ restart: false }, { stopping: false, restartsSinceJoin: 5 }, policy, noJitter)).toEqual({ action: 'give-up' });
    expect(crashRecovery({ restart: false }, { stopping: false, restartsSinceJoin: 0 }, { ...policy, maxAttempts: 0 }, noJitter)).toEqual({ action: 'give-up' });
  });

  it('does nothing once the loop is stopping, whatever kafkajs does', () => {
    for (const restart of [true, false]) {
      expect(crashRecovery({ restart }, { stopping: true, restartsSinceJoin: 0 }, policy, noJitter)).toEqual({ action: 'wait', why: 'stopping' });
    }
  });
});
