import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each account's economics for LTV and LTV/CAC (issue 18), from trusted `account.updated` events
 * (the admin accounts API, `accounts:write` keys): `cac_usd` (USD, ≥ 0) and `gross_margin_pct` (a
 * fraction in [0, 1]), null when never set or cleared, each with the event time that set it
 * (`*_at`) so the newest by event time wins whatever order events arrive in, as for
 * `contract_start`. Numbered 314, past 313, which another branch of issue 18 takes.
 */
export class KpiAccountEconomics1763900000314 implements MigrationInterface {
  name = 'KpiAccountEconomics1763900000314';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE playbook.kpi_accounts
      ADD COLUMN cac_usd numeric,
      ADD COLUMN cac_usd_at timestamptz,
      ADD COLUMN gross_margin_pct numeric,
      ADD COLUMN gross_margin_pct_at timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE playbook.kpi_accounts DROP COLUMN gross_margin_pct_at, DROP COLUMN gross_margin_pct, DROP COLUMN cac_usd_at, DROP COLUMN cac_usd');
  }
}
