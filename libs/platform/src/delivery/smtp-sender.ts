import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { DeliveryFailure } from './delivery-outcome';

/** One email as the SMTP relay gets it. Addresses are RFC 5322 mailboxes (`a@b.c` or `Name <a@b.c>`). */
export interface EmailMessage {
  readonly from: string;
  readonly to: string;
  /** One line (the renderer folds line breaks away). */
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** `<id@domain>`, from `deliveryMessageId`: a retry sends the same one. */
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The parts of an SMTP error this classification reads (nodemailer sets them on its errors). */
interface SmtpErrorFields {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly response?: unknown;
  readonly command?: unknown;
}

/**
 * Transient or permanent, from the SMTP reply code (RFC 5321 §4.2.1): a 5yz reply is a permanent
 * negative completion (the relay refuses this message for good: an unknown mailbox, a policy
 * rejection), except 503 "bad sequence of commands", a session state error that a new connection
 * clears (nodemailer's `isPermanentResponseCode` makes the same exception), and a 5yz reply to a
 * session command (`SESSION_COMMAND`: a refused login, greeting or STARTTLS, which nodemailer
 * reports as `EAUTH` with the reply's code: the relay's setup, not the message); a 4yz reply (451
 * "try again later", greylisting, 421 "closing") is transient. Without a reply: errors of the
 * message itself (`EENVELOPE`, `EMESSAGE`: no recipient, an invalid address) are permanent;
 * everything else is transient: a refused, dropped or timed-out connection, DNS, TLS, and a
 * rejected login (`EAUTH`: the relay's credentials are wrong, not the message; once an operator
 * fixes SMTP_URL the waiting deliveries go out). The error text is the relay's reply and the
 * command it answered (`SMTP 550 5.1.1 <x@y.z>: no such user (RCPT TO)`), else the client's code
 * and message. It never holds the connection URL (and so no password).
 */
/**
 * Commands of the session rather than of a message (nodemailer's `command` of an error): the
 * greeting (`CONN`), EHLO/HELO/LHLO, STARTTLS and AUTH. A 5yz reply to one of them (535 bad
 * credentials, 530 authentication required, 554 at the greeting) refuses the relay's setup, not
 * this message: transient, like the `EAUTH` it comes with.
 */
const SESSION_COMMAND = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH)\b/i;

export function classifySmtpError(error: unknown): DeliveryFailure {
  const fields: SmtpErrorFields = error !== null && typeof error === 'object' ? (error as SmtpErrorFields) : { message: String(error) };
  const responseCode = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  if (responseCode !== undefined) {
    const reply = typeof fields.response === 'string' && fields.response.trim() !== '' ? fields.response.trim() : `${responseCode} ${message}`;
    const command = typeof fields.command === 'string' && fields.command !== '' ? ` (${fields.command})` : '';
    const refusesSession = code === 'EAUTH' || code === 'ENOAUTH' || (typeof fields.command === 'string' && SESSION_COMMAND.test(fields.command));
    return { error: `SMTP ${oneLine(reply)}${command}`, permanent: responseCode >= 500 && responseCode < 600 && responseCode !== 503 && !refusesSession };
  }
  return { error: oneLine(code ? `${code}: ${message}` : message), permanent: code === 'EENVELOPE' || code === 'EMESSAGE' };
}

/**
 * The Message-ID of a delivery's email (RFC 5322 §3.6.4): `<bw.<32 hex of sha256(deliveryId)>@<domain
 * of the sender>>`. The same delivery always gets the same id, so a retry after a lost reply (the
 * relay took the message, its answer never arrived) is recognisable by the receiver and its mail
 * store as a copy. Hashed, because delivery ids hold characters a msg-id may not (`:`).
 */
export function deliveryMessageId(deliveryId: string, from: string): string {
  const digest = createHash('sha256').update(deliveryId).digest('hex').slice(0, 32);
  return `<bw.${digest}@${addressDomain(from) ?? 'bellwether.invalid'}>`;
}

/** The domain of a mailbox (`cs@acme.example` or `CS <cs@acme.example>`), or null without one. */
export function addressDomain(mailbox: string): string | null {
  const address = /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox;
  const at = address.lastIndexOf('@');
  const domain = at < 0 ? '' : address.slice(at + 1).trim();
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain.toLowerCase() : null;
}

/**
 * Whether `value` is an SMTP connection URL this adapter takes: `smtp://` (STARTTLS when the relay
 * offers it) or `smtps://` (TLS from the start), a host, an optional port (1–65535), optional
 * `user:password@` (percent-encoded) and no path. For config validation; says nothing of the value.
 */
export function isSmtpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' && (url.pathname === '' || url.pathname === '/') && url.hash === '';
}

/** `smtps://relay.example:465` without user and password, for logs and `/readyz`. */
export function describeSmtpUrl(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.username ? ' (with login)' : ''}`;
}

/**
 * Sends emails through one SMTP relay (nodemailer, pooled connections). `send` never rejects: it
 * resolves null once the relay accepted the message (250 after DATA), or the classified failure
 * (`classifySmtpError`). Each phase (connect, greeting, every reply) waits at most `timeoutMs`,
 * and the whole send is aborted after it.
 */
export class SmtpSender {
  private readonly transport: ReturnType<typeof createTransport>;

  /**
   * @param url `smtp://[user:pass@]host[:port]` or `smtps://…` (see `isSmtpUrl`); a secret, never logged
   * @param timeoutMs per phase and for the whole send (ms)
   */
  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.transport = createTransport({ url, pool: true, maxConnections: 5, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, logger: false });
  }

  /** One attempt; `timeoutMs` bounds the whole send (default: the constructor's). */
  async send(message: EmailMessage, timeoutMs: number = this.timeoutMs): Promise<DeliveryFailure | null> {
    try {
      await this.transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        messageId: message.messageId,
        headers: { ...message.headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
      return null;
    } catch (error) {
      return classifySmtpError(error);
    }
  }

  /** Closes the pooled connections. */
  close(): void {
    this.transport.close();
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
