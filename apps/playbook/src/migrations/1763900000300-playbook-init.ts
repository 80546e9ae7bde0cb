import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableDdl } from '@bellwether/platform';

export class PlaybookInit1763900000300 implements MigrationInterface {
  name = 'PlaybookInit1763900000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE playbook.runs (
      id text PRIMARY KEY,
      playbook_id text NOT NULL,
      playbook_version integer NOT NULL,
      variant_id text NOT NULL,
      account_id text NOT NULL,
      queue text NOT NULL,
      status text NOT NULL,
      wake_at timestamptz,
      outcome text,
      state jsonb NOT NULL,
      trigger jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // One live run of a playbook per account: a second trigger while it runs starts nothing.
    await runner.query(`CREATE UNIQUE INDEX runs_one_live_per_playbook ON playbook.runs (account_id, playbook_id) WHERE status IN ('running', 'waiting')`);
    await runner.query(`CREATE INDEX runs_wake_idx ON playbook.runs (wake_at) WHERE status = 'waiting'`);
    // Tasks are keyed by the effect's idempotency key: a step creates its task at most once.
    await runner.query(`CREATE TABLE playbook.tasks (
      id text PRIMARY KEY,
      run_id text NOT NULL REFERENCES playbook.runs(id),
      account_id text NOT NULL,
      step_id text NOT NULL,
      role text NOT NULL,
      title text NOT NULL,
      template text,
      queue text NOT NULL,
      due_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'open',
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE INDEX tasks_queue_idx ON playbook.tasks (queue, status, due_at)`);
    // Emails and webhooks wait here for a delivery adapter; the key makes each one happen once.
    await runner.query(`CREATE TABLE playbook.deliveries (
      id text PRIMARY KEY,
      run_id text NOT NULL REFERENCES playbook.runs(id),
      kind text NOT NULL,
      target text NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query(`CREATE TABLE playbook.account_snapshots (
      account_id text PRIMARY KEY,
      snapshot jsonb NOT NULL,
      sequence integer NOT NULL
    )`);
    await runner.query(`CREATE TABLE playbook.processed_messages (
      message_id text PRIMARY KEY,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`);
    for (const statement of outboxTableDdl('playbook').up) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of outboxTableDdl('playbook').down) await runner.query(statement);
    for (const table of ['processed_messages', 'account_snapshots', 'deliveries', 'tasks', 'runs']) await runner.query(`DROP TABLE playbook.${table}`);
  }
}
