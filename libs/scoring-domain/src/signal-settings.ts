/**
 * Scorecard settings of the signals (product.md "Signals"). Key features, milestones and the
 * memories are read when signals are derived, so a new scorecard applies to past events too. The
 * event classifications (pricing paths, escalation markers) are applied when an event is folded
 * into the state, so changing them affects events applied afterwards.
 */
export interface SignalSettings {
  readonly keyFeatures: readonly string[];
  readonly requiredMilestones: readonly string[];
  readonly onboardingDays: number;
  /**
   * Days of history a measure needs before it has an opinion (see measures.ts): usage and
   * adoption from the first product activity, support without tickets, the onboarding period's
   * start. Before that the measure has insufficient data and does not count in health.
   */
  readonly minObservedDays: number;
  /** Billing trouble older than this without a later payment still counts; newer payments clear it. */
  readonly billingMemoryDays: number;
  /**
   * `page.viewed` paths that count as pricing/upgrade interest: a path matches a prefix when it
   * equals it or continues it with `/`, `?` or `#` (case-insensitive; full URLs use their path).
   */
  readonly pricingPaths: readonly string[];
  /** A `support.ticket_opened` is a complaint/escalation when its `severity` is one of these… */
  readonly escalationSeverities: readonly string[];
  /** …or its `sentiment` is one of these… */
  readonly escalationSentiments: readonly string[];
  /** …or its `topic` is one of these (all compared case-insensitively). */
  readonly escalationTopics: readonly string[];
}

/**
 * The event classification part of the settings: what `applyEvent` needs. With `keyFeatures`, the
 * per-user use of those features is kept too (for their owners); without, it is not.
 */
export type EventClassificationSettings = Pick<SignalSettings, 'pricingPaths' | 'escalationSeverities' | 'escalationSentiments' | 'escalationTopics'> &
  Partial<Pick<SignalSettings, 'keyFeatures'>>;

export const defaultSignalSettings: SignalSettings = {
  keyFeatures: ['reports', 'dashboards', 'integrations', 'automation', 'api'],
  requiredMilestones: ['account_setup', 'data_connected', 'first_report', 'team_invited'],
  onboardingDays: 90,
  minObservedDays: 14,
  billingMemoryDays: 60,
  pricingPaths: ['/pricing', '/plans', '/upgrade'],
  escalationSeverities: ['high', 'urgent', 'critical'],
  escalationSentiments: ['negative'],
  escalationTopics: ['complaint', 'escalation'],
};
