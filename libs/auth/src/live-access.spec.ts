import { Subject } from 'rxjs';
import { whileAccessAllowed } from './live-access';

describe('whileAccessAllowed', () => {
  const setup = () => {
    const source = new Subject<string>();
    const triggers = new Subject<void>();
    const state = { allowed: true };
    const received: string[] = [];
    let completed = false;
    const subscription = whileAccessAllowed(source, { stillAllowed: () => state.allowed, triggers, ended: 'access.revoked' }).subscribe({
      next: (value) => received.push(value),
      complete: () => (completed = true),
    });
    return { source, triggers, state, received, isCompleted: () => completed, subscription };
  };

  it('delivers while access holds, whatever the triggers', () => {
    const { source, triggers, received, isCompleted } = setup();
    source.next('a');
    triggers.next();
    source.next('b');
    expect(received).toEqual(['a', 'b']);
    expect(isCompleted()).toBe(false);
  });

  it('ends with the final message on the first failed re-check and delivers nothing after', () => {
    const { source, triggers, state, received, isCompleted } = setup();
    source.next('a');
    state.allowed = false;
    source.next('b');
    triggers.next();
    source.next('c');
    triggers.next();
    expect(received).toEqual(['a', 'b', 'access.revoked']);
    expect(isCompleted()).toBe(true);
    expect(source.observed).toBe(false);
  });

  it('stops checking once the holder unsubscribes', () => {
    const { triggers, subscription } = setup();
    subscription.unsubscribe();
    expect(triggers.observed).toBe(false);
  });
});
