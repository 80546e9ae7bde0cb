/* eslint-disable no-console -- a command-line tool talks on stdout */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Matches } from 'class-validator';
import { createServiceDataSource, DataSourceTransactions, loadEnv, migrate, SchemaOutbox, WallClock } from '@bellwether/platform';
import type { ApiKeyScope } from '@bellwether/contracts';
import { apiKeyScopes } from '@bellwether/auth';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { ApiKeyRepository } from '../api-keys/api-key.repository';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { IngestionEnv } from '../ingestion.env';
import { INGESTION_SCHEMA, ingestionMigrations } from '../migrations';

class KeysCliEnv {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;
}

const usage = `usage:
  keys create --name NAME --scopes ingest[,integrator,csm,manager,admin,accounts:write] [--csm-id ID (csm keys)] [--team TEAM (manager keys)]
  keys rotate --id KEY_ID      a new secret for the key; the old one stops working
  keys revoke --id KEY_ID
  keys list
Prints a new key once; only its hash is stored.`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, 'csm-id': { type: 'string' }, team: { type: 'string' }, id: { type: 'string' } },
  });
  if (!['create', 'rotate', 'revoke', 'list'].includes(command ?? '')) {
    console.error(usage);
    return 64;
  }
  const env = loadEnv(KeysCliEnv);
  const dataSource = createServiceDataSource({
    url: env.DATABASE_URL,
    schema: INGESTION_SCHEMA,
    entities: [ApiKeyEntity],
    migrations: ingestionMigrations,
    applicationName: 'bellwether-keys-cli',
    poolSize: 2,
  });
  await dataSource.initialize();
  try {
    await migrate(dataSource, INGESTION_SCHEMA);
    // A composition root without Nest: it wires the service's repositories by hand.
    const service = new ApiKeysService(new ApiKeyRepository(dataSource), new DataSourceTransactions(dataSource), new SchemaOutbox(INGESTION_SCHEMA), new IngestionEnv(), new WallClock());
    if (command === 'create') {
      const scopes = (values.scopes ?? '').split(',').filter(Boolean) as ApiKeyScope[];
      if (!values.name || scopes.some((scope) => !apiKeyScopes.includes(scope))) {
        console.error(usage);
        return 64;
      }
      const created = await service.create({ name: values.name, scopes, csmId: values['csm-id'], team: values.team });
      console.log(JSON.stringify(created));
      return 0;
    }
    if (command === 'list') {
      console.log(JSON.stringify(await service.list(), null, 2));
      return 0;
    }
    if (!values.id) {
      console.error(usage);
      return 64;
    }
    if (command === 'rotate') {
      const rotated = await service.rotate(values.id);
      console.log(JSON.stringify(rotated ?? { id: values.id, rotated: false }));
      return rotated ? 0 : 1;
    }
    const revoked = await service.revoke(values.id);
    console.log(JSON.stringify({ id: values.id, revoked }));
    return revoked ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
