import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A directory CSM's email address (issue 18 §4): where playbook sends the email steps of their
 * accounts. Null: none (every existing CSM; adding a nullable column rewrites nothing). The API
 * stores only an addr-spec (libs/contracts `emailAddressSchema`); the check repeats the part that
 * matters to SMTP, so no other writer can store an address with whitespace (a CR/LF would inject
 * a header), a second `@`, or over 254 characters.
 */
export class DirectoryCsmEmail1763900000005 implements MigrationInterface {
  name = 'DirectoryCsmEmail1763900000005';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE ingestion.directory_csms
      ADD COLUMN email text CONSTRAINT directory_csms_email_address CHECK (char_length(email) <= 254 AND email ~ '^[^@[:space:]]{1,64}@[^@[:space:]]+$')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE ingestion.directory_csms DROP COLUMN email');
  }
}
