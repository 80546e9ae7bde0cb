import type { AddressInfo } from 'node:net';
import type { ParsedMail } from 'mailparser';
import type { SMTPServer } from 'smtp-server';

/** One message the server took: the envelope's recipients and the parsed mail. */
export interface ReceivedMail {
  readonly envelopeTo: readonly string[];
  readonly mail: ParsedMail;
}

/** How the server answers one RCPT TO: accept, or an SMTP error reply (`{ code: 451, text: '4.7.1 Try later' }`). */
export type RcptAnswer = 'accept' | { readonly code: number; readonly text: string };

/**
 * A real SMTP server for tests (`smtp-server`, plain SMTP on loopback, no login needed) that
 * parses what it takes (`mailparser`). Tests choose its answers: `answerRcpt` per recipient and
 * attempt, and `dropReplyAfterData` to take a message and drop the connection before its 250 (a
 * reply lost on the way back). `rcpts` lists every RCPT TO address, `received` every message taken.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  readonly rcpts: string[] = [];
  /** `seen` counts this address's RCPT TO so far, this one included. */
  answerRcpt: (address: string, seen: number) => RcptAnswer = () => 'accept';
  /** `seen` counts the messages taken with this Message-ID so far, this one included. */
  dropReplyAfterData: (mail: ParsedMail, seen: number) => boolean = () => false;
  private server: SMTPServer | null = null;

  /**
   * Listens on 127.0.0.1 (`port` 0: a free one); resolves with `smtp://127.0.0.1:<port>`. The
   * server and parser modules load here, not when libs/testing is imported by every other test.
   */
  async start(port = 0): Promise<string> {
    const [{ SMTPServer }, { simpleParser }] = await Promise.all([import('smtp-server'), import('mailparser')]);
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.rcpts.push(address.address);
        const answer = this.answerRcpt(address.address, this.rcpts.filter((seen) => seen === address.address).length);
        if (answer === 'accept') return callback();
        callback(Object.assign(new Error(answer.text), { responseCode: answer.code }));
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({ envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address), mail });
            if (!this.dropReplyAfterData(mail, this.received.filter((entry) => entry.mail.messageId === mail.messageId).length)) return callback();
            for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
          })
          .catch((error: Error) => callback(error));
      },
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    if (!this.server) throw new Error('the test SMTP server is not started');
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Forgets what was received and answers everything again. */
  reset(): void {
    this.received.length = 0;
    this.rcpts.length = 0;
    this.answerRcpt = () => 'accept';
    this.dropReplyAfterData = () => false;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
