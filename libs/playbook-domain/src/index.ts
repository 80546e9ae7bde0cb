export * from './playbook.types';
export * from './playbook.validator';
export * from './built-in-playbooks';
export * from './playbook-matching.util';
export * from './variant.util';
export * from './run-state.types';
export * from './run-state-machine';
export * from './email-template';
export * from './playbook-set';
// toMillis is read by @bellwether/kpi-domain too: one strict ISO-8601 parse for both.
export { toMillis } from './time.util';
