import { randomBytes } from 'node:crypto';
import { testEnvironment } from '@bellwether/testing';
import { adminAuditTableDdl, AdminAuditLog } from '../audit/admin-audit';
import { createServiceDataSource } from '../database/data-source.factory';
import { planActivation, planRollback } from './config-lifecycle';
import { configVersionsTableDdl, ConfigVersionStore } from './config-versions.store';

// Versioned configuration on a real Postgres: a version's body can never be changed, a duplicate
// version stores nothing, at most one version of a kind is active, and the audit reads back
// what was recorded, newest first.

const schema = `it_config_${randomBytes(4).toString('hex')}`;
const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: 'public', entities: [], migrations: [], applicationName: 'it-config-versions', poolSize: 2 });
const store = new ConfigVersionStore(dataSource, schema);
const audits = new AdminAuditLog(dataSource, schema);
const at = '2026-03-01T10:00:00.000Z';

describe('config versions, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    for (const statement of [...configVersionsTableDdl(schema).up, ...adminAuditTableDdl(schema).up]) await dataSource.query(statement);
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('stores a draft once, and a duplicate version stores nothing', async () => {
    const created = await dataSource.transaction((manager) => store.insertDraft(manager, { kind: 'scorecard', version: 'v1', body: { version: 'v1', weights: { billing: 1 } }, createdBy: 'KEY1', createdAt: at }));
    expect(created).toMatchObject({ version: 'v1', status: 'draft', createdBy: 'KEY1', createdAt: at, activatedAt: null, body: { version: 'v1', weights: { billing: 1 } } });
    const again = await dataSource.transaction((manager) => store.insertDraft(manager, { kind: 'scorecard', version: 'v1', body: { version: 'v1', weights: { billing: 2 } }, createdBy: 'KEY2', createdAt: at }));
    expect(again).toBeNull();
    expect((await store.find('scorecard', 'v1'))?.body).toEqual({ version: 'v1', weights: { billing: 1 } });
  });

  it('refuses any change of a stored body', async () => {
    await expect(dataSource.query(`UPDATE "${schema}".config_versions SET body = '{"version":"v1"}' WHERE version = 'v1'`)).rejects.toThrow(/immutable/);
    expect((await store.find('scorecard', 'v1'))?.body).toEqual({ version: 'v1', weights: { billing: 1 } });
  });

  it('activates, retires the one active before, and rolls back by the stored history', async () => {
    await dataSource.transaction((manager) => store.insertDraft(manager, { kind: 'scorecard', version: 'v2', body: { version: 'v2' }, createdBy: 'KEY1', createdAt: at }));
    for (const version of ['v1', 'v2']) {
      await dataSource.transaction(async (manager) => {
        await store.lockKind(manager, 'scorecard');
        const plan = planActivation(await store.list('scorecard', manager), version);
        if (!plan.ok) throw new Error(plan.refused);
        await store.activate(manager, { kind: 'scorecard', version, action: 'activate', activatedBy: 'KEY1', activatedAt: at, effectiveFrom: at }, plan.retire);
      });
    }
    expect((await store.list('scorecard')).map((version) => [version.version, version.status])).toEqual(
      expect.arrayContaining([
        ['v1', 'retired'],
        ['v2', 'active'],
      ]),
    );
    const rollback = await dataSource.transaction(async (manager) => planRollback(await store.activations(manager, 'scorecard')));
    expect(rollback).toEqual({ ok: true, activate: 'v1', retire: 'v2' });
    // The database holds at most one active version per kind, whatever a caller does.
    await expect(dataSource.query(`UPDATE "${schema}".config_versions SET status = 'active' WHERE version = 'v1'`)).rejects.toThrow(/config_versions_one_active/);
  });

  it('reads the audit back newest first, optionally of one subject', async () => {
    await dataSource.transaction(async (manager) => {
      await audits.record(manager, { actorKeyId: 'KEY1', action: 'scorecard.create', subject: 'scorecard:v1', before: null, after: { status: 'draft' } });
      await audits.record(manager, { actorKeyId: 'KEY1', action: 'scorecard.activate', subject: 'scorecard:v1', before: { status: 'draft' }, after: { status: 'active' } });
      await audits.record(manager, { actorKeyId: 'KEY2', action: 'scorecard.create', subject: 'scorecard:v2', before: null, after: { status: 'draft' } });
    });
    expect((await audits.read(10, 'scorecard:v1')).map((entry) => [entry.action, entry.before, entry.after])).toEqual([
      ['scorecard.activate', { status: 'draft' }, { status: 'active' }],
      ['scorecard.create', null, { status: 'draft' }],
    ]);
    expect((await audits.read(1)).map((entry) => entry.subject)).toEqual(['scorecard:v2']);
  });
});
