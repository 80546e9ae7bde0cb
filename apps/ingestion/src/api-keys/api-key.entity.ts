import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

import type { ApiKeyScope } from '@bellwether/contracts';

/** An API key at rest: only the SHA-256 of its secret is stored. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'secret_sha256', type: 'text' })
  secretSha256!: string;

  @Column({ type: 'text', array: true })
  scopes!: ApiKeyScope[];

  @Column({ name: 'csm_id', type: 'text', nullable: true })
  csmId!: string | null;

  @Column({ type: 'text', nullable: true })
  team!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
