import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the portfolio KPIs are computed from: revenue, NPS and onboarding events, alert times. */
export class KpiReadModel1763900000302 implements MigrationInterface {
  name = 'KpiReadModel1763900000302';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE playbook.kpi_revenue (
      event_id text PRIMARY KEY,
      account_id text NOT NULL,
      at timestamptz NOT NULL,
      kind text NOT NULL,
      amount numeric NOT NULL
    )`);
    await runner.query('CREATE INDEX kpi_revenue_account_idx ON playbook.kpi_revenue (account_id, at)');
    await runner.query(`CREATE TABLE playbook.kpi_accounts (
      account_id text PRIMARY KEY,
      contract_start timestamptz,
      first_seen timestamptz NOT NULL,
      milestones text[] NOT NULL DEFAULT '{}',
      onboarded_at timestamptz
    )`);
    await runner.query(`CREATE TABLE playbook.kpi_nps (
      event_id text PRIMARY KEY,
      account_id text NOT NULL,
      at timestamptz NOT NULL,
      score smallint NOT NULL
    )`);
    await runner.query(`CREATE TABLE playbook.kpi_alerts (
      alert_id text PRIMARY KEY,
      account_id text NOT NULL,
      rule text NOT NULL,
      category text NOT NULL,
      opened_at timestamptz NOT NULL,
      acknowledged_at timestamptz,
      resolved_at timestamptz,
      outcome text,
      revision integer NOT NULL
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['kpi_alerts', 'kpi_nps', 'kpi_accounts', 'kpi_revenue']) await runner.query(`DROP TABLE playbook.${table}`);
  }
}
