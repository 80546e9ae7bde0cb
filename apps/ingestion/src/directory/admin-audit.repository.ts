import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AdminAuditLog, SERVICE_DATA_SOURCE } from '@bellwether/platform';

export type { AuditEntry, StoredAuditEntry } from '@bellwether/platform';

/** `ingestion.admin_audit` (libs/platform `AdminAuditLog`): who changed the directory and account ownership. */
@Injectable()
export class AdminAuditRepository extends AdminAuditLog {
  constructor(@Inject(SERVICE_DATA_SOURCE) dataSource: DataSource) {
    super(dataSource, 'ingestion');
  }
}
