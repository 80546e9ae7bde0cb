import { randomUUID } from 'node:crypto';
import { Topics, type PlaybookRunEvent, type ScoreChanged } from '@bellwether/contracts';
import { builtInPlaybooks, type PlaybookDefinition } from '@bellwether/playbook-domain';
import { defaultScorecard } from '@bellwether/scoring-domain';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

const measures = ['product_usage', 'feature_adoption', 'support', 'sentiment', 'billing', 'onboarding', 'usage_level', 'champion'] as const;

/** A scorecard that weighs NPS alone: an account's health is then its NPS score × 10. */
const sentimentOnly = (version: string) => ({ version, weights: Object.fromEntries(measures.map((measure) => [measure, measure === 'sentiment' ? 1 : 0])) });

/**
 * Issue 18 §1 on the real stack: scorecard versions created, activated and rolled back through
 * scoring's admin API switch the scorecard of the next score (its `scorecardVersion` and its
 * health), and bad bodies are refused naming the field with nothing stored or audited.
 */
describe('scorecards as versioned data, changed at run time', () => {
  // Polling the admin list for the switch would spend the admin rate limit this test is not about.
  const adminRates = { ADMIN_RATE_LIMIT_PER_SECOND: '1000', ADMIN_RATE_LIMIT_BURST: '10000' };
  const stack = new Stack(5400, { scoring: adminRates, playbook: adminRates });
  let admin = '';
  /** Scored under the default scorecard before any activation (NPS 2). */
  let firstAccount = '';
  const scoring = () => stack.services.scoring.baseUrl;
  const api = async (method: string, path: string, body?: unknown, base = scoring()) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const inForce = async () => (await api('GET', '/v1/admin/scorecards')).body['inForce'];

  /** Posts a new account's subscription and NPS answer (now); returns its first score change. */
  const scoreNewAccount = async (nps: number): Promise<ScoreChanged> => {
    const accountId = `scorecard-${randomUUID()}`;
    const now = new Date().toISOString();
    const event = (type: string, properties: Record<string, unknown>) => ({ id: `evt_${randomUUID()}`, type, accountId, userId: 'u1', timestamp: now, properties });
    const posted = await stack.post('/v1/events', { events: [event('subscription.changed', { seats: 10, mrr: 4000 }), event('nps.responded', { score: nps })] }, { authorization: `Bearer ${admin}` });
    expect(posted.status).toBe(202);
    return (await stack.waitForRecord(Topics.scores, `the score of ${accountId}`, (value) => value['accountId'] === accountId)).value as ScoreChanged;
  };

  beforeAll(async () => {
    await stack.start();
    admin = await stack.createKey('admin');
    await waitFor(async () => (await fetch(`${scoring()}/v1/admin/scorecards`, { headers: { authorization: `Bearer ${admin}` } })).status === 200, { description: 'the admin key to reach scoring' });
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('lists the SCORECARD_FILE / default scorecard as the active version before any activation', async () => {
    const list = await api('GET', '/v1/admin/scorecards');
    expect(list.status).toBe(200);
    expect(list.body['active']).toBe(defaultScorecard.version);
    expect(list.body['inForce']).toBe(defaultScorecard.version);
    expect((list.body['versions'] as { version: string; status: string }[]).map((version) => [version.version, version.status])).toEqual([[defaultScorecard.version, 'active']]);
    const first = await scoreNewAccount(2);
    expect(first.scorecardVersion).toBe(defaultScorecard.version);
    firstAccount = first.accountId;
  });

  it('refuses bad bodies with 400 naming the field, and stores and audits nothing', async () => {
    const listBefore = await api('GET', '/v1/admin/scorecards');
    const auditBefore = await api('GET', '/v1/admin/audit');
    const refusals: [unknown, string][] = [
      [{ version: 'bad-weights', weights: { billing: -1 } }, 'weights.billing'],
      [{ weights: { billing: 1 } }, 'version'],
      [{ version: 'bad-field', colour: 'red' }, 'colour'],
      [{ version: 'bad-bands', bands: { green: 40, yellow: 60 } }, 'bands.yellow'],
      [{ version: 'has a space' }, 'version'],
      [{ version: defaultScorecard.version }, 'version'],
    ];
    for (const [body, field] of refusals) {
      const created = await api('POST', '/v1/admin/scorecards', body);
      expect([created.status, (created.body['errors'] as { path: string }[]).map((error) => error.path)]).toEqual([field === 'version' && (body as { version?: string }).version === defaultScorecard.version ? 409 : 400, [field]]);
    }
    const validated = await api('POST', '/v1/admin/scorecards/validate', { version: 'bad-weights', weights: { sentiment: 'high' } });
    expect([validated.status, validated.body['errors']]).toEqual([400, [{ path: 'weights.sentiment', message: 'must be a number ≥ 0' }]]);
    expect((await api('POST', '/v1/admin/scorecards/no-such-version/activate')).status).toBe(404);
    expect((await api('POST', '/v1/admin/scorecards/rollback')).status).toBe(409);
    expect(await api('GET', '/v1/admin/scorecards')).toEqual(listBefore);
    expect(await api('GET', '/v1/admin/audit')).toEqual(auditBefore);
  });

  it('a draft activated through the API scores the next event with its version and weights; a rollback returns to the old version', async () => {
    const validated = await api('POST', '/v1/admin/scorecards/validate', sentimentOnly('cs-e2e-2'));
    expect(validated.status).toBe(200);
    expect((await api('GET', '/v1/admin/scorecards/cs-e2e-2')).status).toBe(404);

    const created = await api('POST', '/v1/admin/scorecards', sentimentOnly('cs-e2e-2'));
    expect([created.status, created.body['status'], created.body['body']]).toEqual([201, 'draft', sentimentOnly('cs-e2e-2')]);
    expect((await api('POST', '/v1/admin/scorecards', sentimentOnly('cs-e2e-2'))).status).toBe(409);
    // A draft changes nothing.
    const underDraft = await scoreNewAccount(2);
    expect(underDraft.scorecardVersion).toBe(defaultScorecard.version);

    const activated = await api('POST', '/v1/admin/scorecards/cs-e2e-2/activate');
    expect([activated.status, activated.body['status']]).toEqual([200, 'active']);
    // Everything scored before the activation lies before its switch point, so a replay scores it
    // with the version that scored it live (the pipeline watermark, a minimum, could lie before it).
    expect(Date.parse(activated.body['effectiveFrom'] as string)).toBeGreaterThan(Date.parse(underDraft.eventTime));
    // A re-score asked for at once re-scores with the version just activated, whether or not this
    // replica has read the activation yet (it waits for it).
    const asked = await api('POST', '/v1/admin/rescores');
    expect([asked.status, asked.body['scorecardVersion'], asked.body['finishedAt']]).toEqual([202, 'cs-e2e-2', null]);
    // Not before the version's switch point: an account re-scored earlier would go back to the old
    // version at its next event (evaluated at that event's time).
    expect(Date.parse(asked.body['asOf'] as string)).toBeGreaterThanOrEqual(Date.parse(activated.body['effectiveFrom'] as string));
    await waitFor(async () => (await inForce()) === 'cs-e2e-2', { description: 'scoring to read the activation from bellwether.config-activations.v1' });
    const underNew = await scoreNewAccount(2);
    expect(underNew.scorecardVersion).toBe('cs-e2e-2');
    // NPS 2 weighed alone: health 20, and the drivers carry the new weights.
    expect(underNew.after.health).toBe(20);
    expect(underNew.drivers.find((driver) => driver.measure === 'sentiment')?.weight).toBe(1);
    expect(underNew.drivers.filter((driver) => driver.measure !== 'sentiment').every((driver) => driver.weight === 0)).toBe(true);

    // Scores made before the activation move only by the re-score asked for above.
    const rescored = (await stack.waitForRecord(Topics.scores, 'the re-score of the first account', (value) => value['accountId'] === firstAccount && (value['cause'] as { kind: string }).kind === 'rescore'))
      .value as ScoreChanged;
    expect([rescored.scorecardVersion, rescored.after.health, rescored.before?.health === 20]).toEqual(['cs-e2e-2', 20, false]);
    // The score history keeps each score's version (the events topic keeps 28 days, the history for good).
    const history = await fetch(`${scoring()}/v1/accounts/${firstAccount}/scores`, { headers: { authorization: `Bearer ${admin}` } });
    const scores = ((await history.json()) as { scores: { scorecardVersion: string | null; cause: { kind: string } }[] }).scores;
    expect(scores[0]?.scorecardVersion).toBe(defaultScorecard.version);
    expect(scores.filter((score) => score.cause.kind === 'rescore').map((score) => score.scorecardVersion)).toEqual(['cs-e2e-2']);
    const done = await waitFor(
      async () => {
        const progress = await api('GET', `/v1/admin/rescores/${String(asked.body['id'])}`);
        return progress.body['finishedAt'] ? progress.body : null;
      },
      { description: 'the re-score to finish' },
    );
    expect(done?.['accounts']).toBeGreaterThanOrEqual(2);

    const list = await api('GET', '/v1/admin/scorecards');
    expect((list.body['versions'] as { version: string; status: string }[]).map((version) => [version.version, version.status])).toEqual([
      ['cs-e2e-2', 'active'],
      [defaultScorecard.version, 'retired'],
    ]);

    const rolledBack = await api('POST', '/v1/admin/scorecards/rollback');
    expect([rolledBack.status, rolledBack.body['version'], rolledBack.body['status']]).toEqual([200, defaultScorecard.version, 'active']);
    await waitFor(async () => (await inForce()) === defaultScorecard.version, { description: 'scoring to read the rollback' });
    const afterRollback = await scoreNewAccount(2);
    expect(afterRollback.scorecardVersion).toBe(defaultScorecard.version);
    expect(afterRollback.drivers.find((driver) => driver.measure === 'sentiment')?.weight).toBe(defaultScorecard.weights.sentiment);

    const audit = (await api('GET', '/v1/admin/audit?subject=scorecard:cs-e2e-2')).body['entries'] as { action: string; actorKeyId: string }[];
    expect(audit.map((entry) => entry.action)).toEqual(['scorecard.activate', 'scorecard.create']);
    expect(new Set(audit.map((entry) => entry.actorKeyId))).toEqual(new Set([admin.split('_')[1]]));
    const rollbackAudit = (await api('GET', '/v1/admin/audit?subject=scorecard:' + defaultScorecard.version + '&limit=1')).body['entries'] as { action: string; before: { status: string }; after: { status: string } }[];
    expect(rollbackAudit.map((entry) => [entry.action, entry.before.status, entry.after.status])).toEqual([['scorecard.rollback', 'retired', 'active']]);
  });

  it('a playbook set activated through playbook’s API starts the next trigger’s run with its task and records its version; a rollback restores the set before', async () => {
    const playbooks = (method: string, path: string, body?: unknown) => api(method, `/v1/admin/playbooks${path}`, body, stack.services.playbook.baseUrl);
    const list = await playbooks('GET', '');
    const builtIn = list.body['active'] as string;
    expect([list.status, builtIn, list.body['inForce']]).toEqual([200, expect.stringMatching(/^builtin-[0-9a-f]{12}$/), builtIn]);

    // A first score change enters its lifecycle stage: a probe playbook on that stage shows which set started the run.
    const stage = (await scoreNewAccount(2)).after.stage;
    const probe: PlaybookDefinition = {
      id: 'e2e-probe',
      version: 1,
      name: 'E2E probe',
      trigger: { kind: 'lifecycle_stage', stage },
      steps: [{ kind: 'task', id: 'probe-call', role: 'csm', title: 'Probe call from set pb-e2e-2', dueInHours: 24 }, { kind: 'end', id: 'done' }],
      exitCriteria: [],
    };
    const bad = await playbooks('POST', '', { version: 'pb-e2e-bad', playbooks: [{ ...probe, steps: [{ ...probe.steps[0], dueInHours: -1 }] }] });
    expect([bad.status, bad.body['errors']]).toEqual([400, [{ path: 'playbooks.0.steps.0.dueInHours', message: 'must be a positive number' }]]);
    expect((await playbooks('POST', '', { version: 'pb-e2e-2', playbooks: [...builtInPlaybooks, probe] })).status).toBe(201);
    const activated = await playbooks('POST', '/pb-e2e-2/activate');
    expect([activated.status, activated.body['status']]).toEqual([200, 'active']);
    await waitFor(async () => (await playbooks('GET', '')).body['inForce'] === 'pb-e2e-2', { description: 'playbook to read the activation from bellwether.config-activations.v1' });

    const underNew = await scoreNewAccount(2);
    const runEvent = (kind: string, accountId: string) => (value: Record<string, unknown>) => value['accountId'] === accountId && value['playbookId'] === 'e2e-probe' && value['kind'] === kind;
    const started = (await stack.waitForRecord(Topics.playbookRuns, 'the probe run started', runEvent('run.started', underNew.accountId))).value as PlaybookRunEvent;
    const task = (await stack.waitForRecord(Topics.playbookRuns, 'the probe task', runEvent('task.created', underNew.accountId))).value as PlaybookRunEvent;
    expect([started.playbooksVersion, task.playbooksVersion, task.task?.title]).toEqual(['pb-e2e-2', 'pb-e2e-2', 'Probe call from set pb-e2e-2']);

    const rolledBack = await playbooks('POST', '/rollback');
    expect([rolledBack.status, rolledBack.body['version']]).toEqual([200, builtIn]);
    await waitFor(async () => (await playbooks('GET', '')).body['inForce'] === builtIn, { description: 'playbook to read the rollback' });
    const afterRollback = await scoreNewAccount(2);
    await waitFor(async () => (await stack.db.query('SELECT 1 FROM playbook.processed_messages WHERE message_id = $1', [`score:${afterRollback.changeId}`])).rows.length === 1, {
      description: 'playbook to process the score change after the rollback',
    });
    const runs = (await stack.db.query('SELECT playbook_id, playbooks_version FROM playbook.runs WHERE account_id = $1', [afterRollback.accountId])).rows as { playbook_id: string; playbooks_version: string }[];
    expect(runs.filter((run) => run.playbook_id === 'e2e-probe')).toEqual([]);
    expect(runs.every((run) => run.playbooks_version === builtIn)).toBe(true);
    const audit = (await api('GET', '/v1/admin/audit?subject=playbooks:pb-e2e-2', undefined, stack.services.playbook.baseUrl)).body['entries'] as { action: string }[];
    expect(audit.map((entry) => entry.action)).toEqual(['playbooks.activate', 'playbooks.create']);
  });
});
