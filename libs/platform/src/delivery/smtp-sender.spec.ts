import { addressDomain, classifySmtpError, deliveryMessageId, describeSmtpUrl, isSmtpUrl } from './smtp-sender';

/** An error as nodemailer hands it over after a relay's reply. */
function replyError(responseCode: number, response: string, command = 'RCPT TO'): Error {
  return Object.assign(new Error(`Can't send mail - all recipients were rejected: ${response}`), { code: 'EENVELOPE', responseCode, response, command });
}

describe('classifySmtpError', () => {
  it('takes 5xx replies as permanent refusals, with the reply and the command as the error', () => {
    expect(classifySmtpError(replyError(550, '550 5.1.1 <ana@acme.example>: Recipient address rejected'))).toEqual({
      error: 'SMTP 550 5.1.1 <ana@acme.example>: Recipient address rejected (RCPT TO)',
      permanent: true,
    });
    expect(classifySmtpError(replyError(554, '554 5.7.1 Message rejected as spam', 'DATA')).permanent).toBe(true);
    expect(classifySmtpError(replyError(552, '552 5.3.4 Message too big', 'DATA')).permanent).toBe(true);
  });

  it('takes 4xx replies (greylisting, try later, closing) as transient', () => {
    expect(classifySmtpError(replyError(451, '451 4.7.1 Greylisted, try again later'))).toEqual({ error: 'SMTP 451 4.7.1 Greylisted, try again later (RCPT TO)', permanent: false });
    expect(classifySmtpError(replyError(421, '421 4.3.2 Service shutting down', 'MAIL FROM')).permanent).toBe(false);
    expect(classifySmtpError(replyError(452, '452 4.2.2 Mailbox full')).permanent).toBe(false);
  });

  it('takes 503 (bad sequence of commands: the session, not the message) as transient', () => {
    expect(classifySmtpError(replyError(503, '503 5.5.1 Bad sequence of commands')).permanent).toBe(false);
  });

  it('takes connection failures, timeouts and a rejected login as transient', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ESOCKET' });
    expect(classifySmtpError(refused)).toEqual({ error: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:2525', permanent: false });
    expect(classifySmtpError(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('This operation was aborted'), { code: 'EABORT' })).permanent).toBe(false);
    // A 535 login refusal: the relay's credentials are wrong, not this message (SMTP_URL gets fixed, the deliveries go out).
    expect(classifySmtpError(Object.assign(new Error('Invalid login'), { code: 'EAUTH' })).permanent).toBe(false);
    // As nodemailer reports it: EAUTH with the relay's 5yz reply and the AUTH command (review: was permanent).
    const refusedLogin = Object.assign(new Error('Invalid login: 535 5.7.8 Authentication credentials invalid'), { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication credentials invalid', command: 'AUTH PLAIN' });
    expect(classifySmtpError(refusedLogin)).toEqual({ error: 'SMTP 535 5.7.8 Authentication credentials invalid (AUTH PLAIN)', permanent: false });
    expect(classifySmtpError(Object.assign(new Error('Authentication required'), { code: 'ENOAUTH', responseCode: 530, response: '530 5.7.0 Authentication required', command: 'MAIL FROM' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('Refused'), { code: 'EPROTOCOL', responseCode: 554, response: '554 No SMTP service here', command: 'CONN' })).permanent).toBe(false);
    expect(classifySmtpError(Object.assign(new Error('TLS refused'), { code: 'EPROTOCOL', responseCode: 554, response: '554 5.7.3 TLS not available', command: 'STARTTLS' })).permanent).toBe(false);
    expect(classifySmtpError('boom')).toEqual({ error: 'boom', permanent: false });
    expect(classifySmtpError(null)).toEqual({ error: 'null', permanent: false });
  });

  it('takes errors of the message itself without a reply (no recipient, bad address) as permanent', () => {
    expect(classifySmtpError(Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE' }))).toEqual({ error: 'EENVELOPE: No recipients defined', permanent: true });
    expect(classifySmtpError(Object.assign(new Error('Invalid address'), { code: 'EMESSAGE' })).permanent).toBe(true);
  });

  it('keeps a multi-line reply on one line', () => {
    expect(classifySmtpError(replyError(550, '550-5.7.1 Rejected\r\n550 5.7.1 see policy')).error).toBe('SMTP 550-5.7.1 Rejected 550 5.7.1 see policy (RCPT TO)');
  });
});

describe('deliveryMessageId', () => {
  it('is the same for a delivery every time, differs between deliveries, and is a valid msg-id at the sender domain', () => {
    const id = deliveryMessageId('run_abc:success-story', 'Bellwether <cs@Acme.example>');
    expect(id).toBe(deliveryMessageId('run_abc:success-story', 'cs@acme.example'));
    expect(id).not.toBe(deliveryMessageId('run_abc:other-step', 'cs@acme.example'));
    expect(id).toMatch(/^<bw\.[0-9a-f]{32}@acme\.example>$/);
  });

  it('falls back to a reserved domain when the sender has none', () => {
    expect(deliveryMessageId('d1', 'not an address')).toMatch(/^<bw\.[0-9a-f]{32}@bellwether\.invalid>$/);
  });
});

describe('addressDomain', () => {
  it('reads bare and named mailboxes', () => {
    expect(addressDomain('cs@acme.example')).toBe('acme.example');
    expect(addressDomain('"Acme, CS" <cs@mail.acme.example>')).toBe('mail.acme.example');
    expect(addressDomain('nobody')).toBeNull();
  });
});

describe('isSmtpUrl / describeSmtpUrl', () => {
  it('accepts smtp:// and smtps:// with a host, optional port and login', () => {
    for (const url of ['smtp://relay.example', 'smtp://127.0.0.1:2525', 'smtps://user:p%40ss@relay.example:465', 'smtp://relay/']) expect(isSmtpUrl(url)).toBe(true);
  });

  it('refuses other schemes, a missing host, a path, and anything not a URL', () => {
    for (const url of ['http://relay.example', 'relay.example:25', 'smtp://', 'smtp://relay.example/path', 'smtp://relay.example:99999', '', 42]) expect(isSmtpUrl(url)).toBe(false);
  });

  it('describes a URL without its login', () => {
    expect(describeSmtpUrl('smtps://user:secret@relay.example:465')).toBe('smtps://relay.example:465 (with login)');
    expect(describeSmtpUrl('smtp://127.0.0.1:2525')).toBe('smtp://127.0.0.1:2525');
  });
});
