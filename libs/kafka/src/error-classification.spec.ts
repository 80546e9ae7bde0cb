import { classifyError, isTransientError } from './error-classification';
import { TransientError } from './records';

/** An error shaped like the client's own (only the fields the classifier reads). */
function errorWith(fields: Record<string, unknown>, message = 'failed'): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifyError', () => {
  it.each([
    ['40001', 'could not serialize access due to concurrent update'],
    ['40P01', 'deadlock detected'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection because of crash of another server process'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['08001', 'could not connect'],
    ['53300', 'sorry, too many clients already'],
    ['53100', 'could not extend file: No space left on device'],
    ['57014', 'canceling statement due to lock timeout'],
    ['57014', 'canceling statement due to user request'],
  ])('a PostgreSQL error %s (%s) is transient', (code, message) => {
    expect(classifyError(errorWith({ code }, message))).toBe('transient');
  });

  it.each([
    ['22P02', 'invalid input syntax for type json'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['23505', 'duplicate key value violates unique constraint'],
    ['23502', 'null value in column violates not-null constraint'],
    ['22001', 'value too long for type character varying(100)'],
    ['42703', 'column does not exist'],
    ['57014', 'canceling statement due to statement timeout'],
  ])('a PostgreSQL error %s (%s) is the record\'s fault', (code, message) => {
    expect(classifyError(errorWith({ code }, message))).toBe('record');
  });

  it('reads the SQLSTATE of a TypeORM QueryFailedError through its driverError', () => {
    const queryFailed = Object.assign(new Error('query failed'), { name: 'QueryFailedError', driverError: errorWith({ code: '40P01' }) });
    expect(isTransientError(queryFailed)).toBe(true);
    const dataFault = Object.assign(new Error('query failed'), { name: 'QueryFailedError', driverError: errorWith({ code: '22P02' }) });
    expect(isTransientError(dataFault)).toBe(false);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])('a socket error %s is transient', (code) => {
    expect(isTransientError(errorWith({ code, errno: -111, syscall: 'connect' }))).toBe(true);
  });

  it('finds a socket error inside an AggregateError (Node tries every address of a host)', () => {
    expect(isTransientError(new AggregateError([errorWith({ code: 'ECONNREFUSED' })], 'connect failed'))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Connection is closed.',
    'LOADING Redis is loading the dataset in memory',
  ])('a connection-loss message without a code (%s) is transient', (message) => {
    expect(isTransientError(new Error(message))).toBe(true);
  });

  it('an ioredis MaxRetriesPerRequestError is transient', () => {
    class MaxRetriesPerRequestError extends Error {
      override name = 'MaxRetriesPerRequestError';
    }
    expect(isTransientError(new MaxRetriesPerRequestError('Reached the max retries per request limit'))).toBe(true);
  });

  it('follows kafkajs: a retriable KafkaJS error is transient, a non-retriable one is not', () => {
    expect(isTransientError(errorWith({ name: 'KafkaJSProtocolError', retriable: true }))).toBe(true);
    expect(isTransientError(errorWith({ name: 'KafkaJSNumberOfRetriesExceeded', retriable: false }))).toBe(true);
    expect(isTransientError(errorWith({ name: 'KafkaJSProtocolError', retriable: false, type: 'MESSAGE_TOO_LARGE' }))).toBe(false);
  });

  it('a TransientError, or anything it is the cause of, is transient', () => {
    expect(isTransientError(new TransientError('redis down'))).toBe(true);
    expect(isTransientError(new Error('while scoring', { cause: new TransientError('redis down') }))).toBe(true);
  });

  it('anything else is the record\'s fault', () => {
    expect(classifyError(new Error('Cannot read properties of undefined'))).toBe('record');
    expect(classifyError(new TypeError('x is not a function'))).toBe('record');
    expect(classifyError('a string')).toBe('record');
    expect(classifyError(undefined)).toBe('record');
  });

  it('stops on a cause cycle', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyError(a)).toBe('record');
  });
});
