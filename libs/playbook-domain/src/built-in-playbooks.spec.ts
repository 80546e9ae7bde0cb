import { builtInPlaybooks, detractorClosedLoopPlaybook, valueRediscoveryPlaybook } from './built-in-playbooks';
import { validatePlaybook } from './playbook.validator';

describe('builtInPlaybooks', () => {
  it('holds the seven playbooks of the spec, with unique ids', () => {
    expect(builtInPlaybooks.map((p) => p.id)).toEqual([
      'value-rediscovery',
      'detractor-closed-loop',
      'adoption-expansion',
      'ambassador',
      'onboarding-rescue',
      'renewal-preparation',
      'payment-recovery',
    ]);
  });

  it.each(builtInPlaybooks.map((p) => [p.id, p] as const))('%s passes the validator unchanged', (_id, playbook) => {
    const result = validatePlaybook(playbook);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.playbook).toEqual(playbook);
  });

  it('starts value re-discovery on health turning red or the account entering at_risk', () => {
    expect(valueRediscoveryPlaybook.trigger).toEqual({ kind: 'alert_rule', ruleIds: ['health_entered_red', 'segment_at_risk'] });
    expect(valueRediscoveryPlaybook.steps[0]).toMatchObject({ kind: 'task', role: 'csm', dueInHours: 48 });
  });

  it('opens the detractor closed loop with a CSM call due within 48 hours', () => {
    expect(detractorClosedLoopPlaybook.trigger).toEqual({ kind: 'alert_rule', ruleIds: ['nps_detractor'] });
    expect(detractorClosedLoopPlaybook.steps[0]).toEqual(expect.objectContaining({ kind: 'task', role: 'csm', title: 'CSM call within 48 h', dueInHours: 48 }));
  });

  it('wires the remaining triggers as documented', () => {
    const triggers = Object.fromEntries(builtInPlaybooks.map((p) => [p.id, p.trigger]));
    expect(triggers['adoption-expansion']).toEqual({ kind: 'segment_entered', segment: 'stable' });
    expect(triggers['ambassador']).toEqual({ kind: 'segment_entered', segment: 'loyal' });
    expect(triggers['onboarding-rescue']).toEqual({ kind: 'alert_rule', ruleIds: ['onboarding_stalled'] });
    expect(triggers['renewal-preparation']).toEqual({ kind: 'lifecycle_stage', stage: 'renewal' });
    expect(triggers['payment-recovery']).toEqual({ kind: 'alert_rule', ruleIds: ['payment_failed'] });
  });
});
