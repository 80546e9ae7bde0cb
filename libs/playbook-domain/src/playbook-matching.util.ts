import { INCIDENT_SEVERITIES, type PlaybookDefinition, type TriggerEvent } from './playbook.types';

/**
 * The playbooks a trigger starts. Only the latest version of each playbook id is considered
 * (older versions only keep their running runs), then its trigger must match: an alert rule
 * listed in `ruleIds`, an incident of the category at or above `minSeverity`, the segment
 * entered, or the lifecycle stage reached. Order follows the
 * first appearance of each id in `definitions`.
 */
export function playbooksFor(trigger: TriggerEvent, definitions: readonly PlaybookDefinition[]): PlaybookDefinition[] {
  return latestVersions(definitions).filter((definition) => triggerMatches(definition, trigger));
}

export function triggerMatches(definition: PlaybookDefinition, trigger: TriggerEvent): boolean {
  const own = definition.trigger;
  switch (trigger.kind) {
    case 'alert_rule':
      return own.kind === 'alert_rule' && own.ruleIds.includes(trigger.ruleId);
    case 'incident':
      return (
        own.kind === 'incident' &&
        own.category === trigger.category &&
        INCIDENT_SEVERITIES.indexOf(trigger.severity) >= INCIDENT_SEVERITIES.indexOf(own.minSeverity ?? 'low')
      );
    case 'segment_entered':
      return own.kind === 'segment_entered' && own.segment === trigger.segment;
    case 'lifecycle_stage':
      return own.kind === 'lifecycle_stage' && own.stage === trigger.stage;
  }
}

/** The highest version of each playbook id, in order of each id's first appearance. */
export function latestVersions(definitions: readonly PlaybookDefinition[]): PlaybookDefinition[] {
  const latest = new Map<string, PlaybookDefinition>();
  for (const definition of definitions) {
    const seen = latest.get(definition.id);
    if (seen === undefined || definition.version > seen.version) latest.set(definition.id, definition);
  }
  return [...latest.values()];
}
