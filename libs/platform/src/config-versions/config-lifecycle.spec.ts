import { activationStack, planActivation, planRollback } from './config-lifecycle';

const activate = (version: string) => ({ version, action: 'activate' as const });
const rollback = (version: string) => ({ version, action: 'rollback' as const });

describe('config version lifecycle', () => {
  it('activates a draft and retires the version active before', () => {
    expect(planActivation([{ version: 'a', status: 'active' }, { version: 'b', status: 'draft' }], 'b')).toEqual({ ok: true, activate: 'b', retire: 'a' });
    expect(planActivation([{ version: 'b', status: 'draft' }], 'b')).toEqual({ ok: true, activate: 'b', retire: null });
  });

  it('re-activates a retired version', () => {
    expect(planActivation([{ version: 'a', status: 'retired' }, { version: 'b', status: 'active' }], 'a')).toEqual({ ok: true, activate: 'a', retire: 'b' });
  });

  it('refuses an unknown version and the active one', () => {
    expect(planActivation([{ version: 'a', status: 'active' }], 'x')).toEqual({ ok: false, refused: 'not-found' });
    expect(planActivation([{ version: 'a', status: 'active' }], 'a')).toEqual({ ok: false, refused: 'already-active' });
  });

  it('rolls back to the version active before, then the one before that', () => {
    const history = [activate('a'), activate('b'), activate('c')];
    expect(planRollback(history)).toEqual({ ok: true, activate: 'b', retire: 'c' });
    const once = [...history, rollback('b')];
    expect(activationStack(once)).toEqual(['a', 'b']);
    expect(planRollback(once)).toEqual({ ok: true, activate: 'a', retire: 'b' });
  });

  it('has nothing to roll back to before a second activation', () => {
    expect(planRollback([])).toEqual({ ok: false, refused: 'nothing-to-roll-back' });
    expect(planRollback([activate('a')])).toEqual({ ok: false, refused: 'nothing-to-roll-back' });
    expect(planRollback([activate('a'), activate('b'), rollback('a')])).toEqual({ ok: false, refused: 'nothing-to-roll-back' });
  });
});
