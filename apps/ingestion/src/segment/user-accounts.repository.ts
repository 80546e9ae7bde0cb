import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/** user → account links from Segment `group` calls (and `identify` with a company). */
@Injectable()
export class UserAccountsRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async accountsOf(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = (await this.dataSource.query('SELECT user_id, account_id FROM ingestion.user_accounts WHERE user_id = ANY($1::text[])', [userIds])) as {
      user_id: string;
      account_id: string;
    }[];
    return new Map(rows.map((row) => [row.user_id, row.account_id]));
  }

  async remember(links: ReadonlyMap<string, string>): Promise<void> {
    if (links.size === 0) return;
    await this.dataSource.query(
      `INSERT INTO ingestion.user_accounts (user_id, account_id)
       SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (user_id) DO UPDATE SET account_id = EXCLUDED.account_id, updated_at = now()`,
      [[...links.keys()], [...links.values()]],
    );
  }
}
