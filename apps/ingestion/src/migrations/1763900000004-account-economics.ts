import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account's economics as the admin API sets them, next to its ownership (issue 18): `cac_usd`,
 * the cost to acquire it in USD (≥ 0), and `gross_margin_pct`, its gross margin as a fraction in
 * [0, 1]. Null: not set (or cleared). The checks repeat the API's rule so no other writer can
 * store what the KPIs would refuse.
 */
export class AccountEconomics1763900000004 implements MigrationInterface {
  name = 'AccountEconomics1763900000004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE ingestion.account_ownership
      ADD COLUMN cac_usd numeric CONSTRAINT account_ownership_cac_usd_non_negative CHECK (cac_usd >= 0),
      ADD COLUMN gross_margin_pct numeric CONSTRAINT account_ownership_gross_margin_pct_fraction CHECK (gross_margin_pct >= 0 AND gross_margin_pct <= 1)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE ingestion.account_ownership DROP COLUMN gross_margin_pct, DROP COLUMN cac_usd');
  }
}
