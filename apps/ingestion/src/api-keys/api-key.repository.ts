import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { ApiKeyEntity } from './api-key.entity';

/** A key to store: everything but `createdAt`, which the database sets. */
export type NewApiKey = Omit<ApiKeyEntity, 'createdAt'>;

/** What a change may set on a live key. */
export type ApiKeyChange = Partial<Pick<ApiKeyEntity, 'secretSha256' | 'revokedAt'>>;

/**
 * `ingestion.api_keys` through its TypeORM entity. Reads without a `manager` use the data
 * source; locks and writes work in the caller's transaction.
 */
@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Every key, revoked ones included, in no particular order. */
  async all(manager: EntityManager): Promise<ApiKeyEntity[]> {
    return manager.getRepository(ApiKeyEntity).find();
  }

  /** Every key, revoked ones included, oldest first. */
  async listByCreation(): Promise<ApiKeyEntity[]> {
    return this.dataSource.getRepository(ApiKeyEntity).find({ order: { createdAt: 'ASC' } });
  }

  /** A key by id (revoked or not); null when there is none. */
  async findById(id: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id });
  }

  /** Inserts a key in the caller's transaction and returns it as stored. */
  async insert(manager: EntityManager, key: NewApiKey): Promise<ApiKeyEntity> {
    const repository = manager.getRepository(ApiKeyEntity);
    await repository.insert(key);
    return repository.findOneByOrFail({ id: key.id });
  }

  /** A key that is not revoked, locked for the caller's transaction (`FOR UPDATE`); null otherwise. */
  async findLiveForUpdate(manager: EntityManager, id: string): Promise<ApiKeyEntity | null> {
    return manager.getRepository(ApiKeyEntity).createQueryBuilder('key').setLock('pessimistic_write').where('key.id = :id AND key.revoked_at IS NULL', { id }).getOne();
  }

  /** Sets the changed columns of a key in the caller's transaction. */
  async update(manager: EntityManager, id: string, change: ApiKeyChange): Promise<void> {
    await manager.getRepository(ApiKeyEntity).update({ id }, change);
  }
}
