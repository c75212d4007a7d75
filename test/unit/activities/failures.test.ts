import { ApplicationFailure, defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { creatioFailure, notConnected, toActivityFailure, type FailureDetails } from '../../../src/activities/failures';
import {
  ConfigurationError,
  CredentialsRejectedError,
  DuplicateKeyError,
  InvalidLookupError,
  NotFoundError,
  PermissionDeniedError,
  TransientError,
  UnexpectedHtmlError,
  ValidationError,
  type CreatioError,
} from '../../../src/creatio';

const ALLOWED_DETAIL_KEYS: ReadonlySet<string> = new Set(['status', 'retryAfterMs', 'entity', 'operation', 'column']);

function onlyDetails(f: ApplicationFailure): FailureDetails {
  expect(f.details).toHaveLength(1);
  const d = f.details![0];
  if (typeof d !== 'object' || d === null) throw new Error('details[0] is not an object');
  return d as FailureDetails;
}

/** What the workflow sees: the failure encoded to the proto form and decoded again. */
function throughTemporal(f: ApplicationFailure): ApplicationFailure {
  const proto = defaultFailureConverter.errorToFailure(f, defaultPayloadConverter);
  const back = defaultFailureConverter.failureToError(proto, defaultPayloadConverter);
  if (!(back instanceof ApplicationFailure)) throw new Error(`decoded as ${back.constructor.name}`);
  return back;
}

describe('creatioFailure: one ApplicationFailure per error kind', () => {
  const cases: Array<[string, CreatioError, { type: string; nonRetryable: boolean; details: FailureDetails }]> = [
    [
      'credentials rejected',
      new CredentialsRejectedError('Creatio rejected the client ID or secret', 400, 'invalid_client'),
      { type: 'credentials_rejected', nonRetryable: true, details: { status: 400 } },
    ],
    [
      'permission denied',
      new PermissionDeniedError('No right to create Activity', 'Activity', 'create'),
      { type: 'permission_denied', nonRetryable: true, details: { status: 403, entity: 'Activity', operation: 'create' } },
    ],
    [
      'validation',
      new ValidationError('The property Foo does not exist', 400, 'Foo'),
      { type: 'validation', nonRetryable: true, details: { status: 400, column: 'Foo' } },
    ],
    [
      'duplicate key (a validation error)',
      new DuplicateKeyError('duplicate key', 500),
      { type: 'validation', nonRetryable: true, details: { status: 500 } },
    ],
    [
      'invalid lookup',
      new InvalidLookupError('OwnerId points at nothing', 'OwnerId', 500),
      { type: 'invalid_lookup', nonRetryable: true, details: { status: 500, column: 'OwnerId' } },
    ],
    [
      'not found',
      new NotFoundError('Case 1 not found', 'Case', 'a3f20b48-7b87-5842-b687-e614d09f74bd'),
      { type: 'not_found', nonRetryable: true, details: { status: 404, entity: 'Case' } },
    ],
    [
      'transient with Retry-After',
      new TransientError('Creatio answered 429', 429, 30_000),
      { type: 'transient', nonRetryable: false, details: { status: 429, retryAfterMs: 30_000 } },
    ],
    [
      'transient without status (network)',
      new TransientError('socket hang up'),
      { type: 'transient', nonRetryable: false, details: {} },
    ],
    [
      'unexpected HTML',
      new UnexpectedHtmlError('HTML login page instead of JSON', 200),
      { type: 'unexpected_html', nonRetryable: false, details: { status: 200 } },
    ],
    [
      'configuration',
      new ConfigurationError('Token URL answered 404', 404),
      { type: 'configuration', nonRetryable: true, details: { status: 404 } },
    ],
  ];

  it.each(cases)('%s', (_name, err, want) => {
    const f = creatioFailure(err);
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe(want.type);
    expect(f.type).toBe(err.kind);
    expect(f.nonRetryable).toBe(want.nonRetryable);
    expect(f.nonRetryable).toBe(!err.retryable);
    expect(f.message).toBe(err.message);
    const details = onlyDetails(f);
    expect(details).toEqual(want.details);
    for (const key of Object.keys(details)) {
      if ((details as Record<string, unknown>)[key] !== undefined) expect(ALLOWED_DETAIL_KEYS.has(key)).toBe(true);
    }
  });

  it('turns Retry-After into the next retry delay (transient only)', () => {
    expect(creatioFailure(new TransientError('slow down', 429, 12_000)).nextRetryDelay).toBe(12_000);
    expect(creatioFailure(new TransientError('slow down', 429, 0)).nextRetryDelay).toBe(0);
    expect(creatioFailure(new TransientError('503', 503)).nextRetryDelay).toBeUndefined();
    expect(creatioFailure(new ValidationError('bad', 400)).nextRetryDelay).toBeUndefined();
  });

  it('keeps record keys, progress and any other field out of the details', () => {
    class LoadedError extends ValidationError {
      readonly body = { Notes: '<p>the customer wrote something private</p>' };
      readonly customerEmail = 'ana.perez@example.com';
    }
    const err = new LoadedError('Creatio rejected the create of Activity', 400, 'Notes');
    err.progress = { confirmed: 3, failedIndex: 3 };
    const details = onlyDetails(creatioFailure(err));
    expect(details).toEqual({ status: 400, column: 'Notes' });
    const json = JSON.stringify(creatioFailure(err).details);
    expect(json).not.toContain('private');
    expect(json).not.toContain('ana.perez');
    expect(json).not.toContain('confirmed');

    const nf = onlyDetails(creatioFailure(new NotFoundError('gone', 'Case', 'a3f20b48-7b87-5842-b687-e614d09f74bd')));
    expect(JSON.stringify(nf)).not.toContain('a3f20b48');
  });

  it('ignores non-string entity/operation/column values', () => {
    class Odd extends TransientError {
      readonly entity = 42;
      readonly column = { name: 'x' };
    }
    expect(onlyDetails(creatioFailure(new Odd('x', 503)))).toEqual({ status: 503 });
  });

  it('survives Temporal encoding: the server gets the retry delay, the workflow gets type, retryability and details', () => {
    const f = creatioFailure(new TransientError('Creatio answered 429', 429, 7_000));
    // The server schedules the next attempt from the proto's nextRetryDelay.
    const proto = defaultFailureConverter.errorToFailure(f, defaultPayloadConverter);
    expect(proto.applicationFailureInfo?.type).toBe('transient');
    expect(proto.applicationFailureInfo?.nonRetryable).toBe(false);
    expect(Number(proto.applicationFailureInfo?.nextRetryDelay?.seconds)).toBe(7);
    // The SDK does not decode nextRetryDelay for the workflow; the workflow reads details[0].retryAfterMs.
    const back = throughTemporal(f);
    expect(back.type).toBe('transient');
    expect(back.nonRetryable).toBe(false);
    expect(back.details?.[0]).toEqual({ status: 429, retryAfterMs: 7_000 });

    const lookup = throughTemporal(creatioFailure(new InvalidLookupError('OwnerId points at nothing', 'OwnerId', 500)));
    expect(lookup.type).toBe('invalid_lookup');
    expect(lookup.nonRetryable).toBe(true);
    expect(lookup.details?.[0]).toEqual({ status: 500, column: 'OwnerId' });
  });
});

describe('toActivityFailure and notConnected', () => {
  it('converts Creatio errors and passes anything else through untouched', () => {
    expect(toActivityFailure(new TransientError('x', 503))).toBeInstanceOf(ApplicationFailure);
    const plain = new Error('database down');
    expect(toActivityFailure(plain)).toBe(plain);
    const already = ApplicationFailure.nonRetryable('x', 'validation');
    expect(toActivityFailure(already)).toBe(already);
    expect(toActivityFailure('a string')).toBe('a string');
  });

  it('notConnected is a non-retryable not_connected failure without details', () => {
    const f = notConnected();
    expect(f.type).toBe('not_connected');
    expect(f.nonRetryable).toBe(true);
    expect(f.details ?? []).toEqual([]);
  });
});

describe('in an activity (MockActivityEnvironment)', () => {
  it('an activity that throws toActivityFailure(err) fails with the typed failure', async () => {
    const env = new MockActivityEnvironment({ attempt: 2 });
    const activity = async (kind: string): Promise<string> => {
      const err =
        kind === 'transient' ? new TransientError('Creatio answered 503', 503, 2_000) : new PermissionDeniedError('no right', 'Case', 'update');
      throw toActivityFailure(err);
    };

    const transient = await env.run(activity, 'transient').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(transient).toBeInstanceOf(ApplicationFailure);
    expect(transient).toMatchObject({ type: 'transient', nonRetryable: false, nextRetryDelay: 2_000 });

    const denied = await env.run(activity, 'permission').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(denied).toMatchObject({ type: 'permission_denied', nonRetryable: true, details: [{ status: 403, entity: 'Case', operation: 'update' }] });
  });

  it('an activity that succeeds is unaffected', async () => {
    const env = new MockActivityEnvironment();
    await expect(env.run(async (x: number) => x * 2, 21)).resolves.toBe(42);
  });
});
