/**
 * Typed errors raised by the Creatio client. Everything that has to look at
 * Creatio's status codes or error texts does it inside src/creatio and turns the
 * result into one of these; callers branch on `kind` / `retryable`, never on text.
 *
 * Messages never contain record content (message text, customer details) or
 * secrets: they end up in logs and in Temporal failure messages.
 */
export type CreatioErrorKind =
  | 'credentials_rejected'
  | 'permission_denied'
  | 'validation'
  | 'invalid_lookup'
  | 'not_found'
  | 'transient'
  | 'unexpected_html'
  | 'configuration';

export abstract class CreatioError extends Error {
  abstract readonly kind: CreatioErrorKind;
  abstract readonly retryable: boolean;
  /** HTTP status that caused it, when there was one. */
  readonly status?: number;
  /**
   * Set by `createMany` (and nothing else): how many of the given rows were
   * confirmed written, in order, before this error, and the index of the row
   * that failed when one row is to blame. Lets the caller persist its cursor.
   */
  progress?: { confirmed: number; failedIndex?: number };

  constructor(message: string, status?: number) {
    super(message);
    this.name = new.target.name;
    this.status = status;
  }
}

/** Identity Service said no to the client ID / secret (400/401 from /connect/token). */
export class CredentialsRejectedError extends CreatioError {
  readonly kind = 'credentials_rejected' as const;
  readonly retryable = false;
  constructor(
    message: string,
    status?: number,
    /** OAuth error code such as invalid_client, unauthorized_client. */
    readonly oauthError?: string,
  ) {
    super(message, status);
  }
}

/** 403: the OAuth app's user lacks a right. Names what was refused. */
export class PermissionDeniedError extends CreatioError {
  readonly kind = 'permission_denied' as const;
  readonly retryable = false;
  constructor(
    message: string,
    readonly entity: string,
    readonly operation: 'read' | 'create' | 'update' | 'delete' | 'batch',
    status = 403,
  ) {
    super(message, status);
  }
}

/** Creatio rejected the request as malformed (unknown column, wrong type, bad filter...). */
export class ValidationError extends CreatioError {
  readonly kind = 'validation' as const;
  readonly retryable = false;
  constructor(
    message: string,
    status?: number,
    /** Column named by Creatio's message, when it names one. */
    readonly column?: string,
  ) {
    super(message, status);
  }
}

/**
 * Creatio's duplicate-key database error (a second insert with the same Id, or
 * another unique index). `create`/`createMany` turn it into success when the
 * record with that Id exists; anywhere else it is a non-retryable validation error.
 */
export class DuplicateKeyError extends ValidationError {}

/** A lookup column points at a record that does not exist (foreign-key violation). */
export class InvalidLookupError extends CreatioError {
  readonly kind = 'invalid_lookup' as const;
  readonly retryable = false;
  constructor(
    message: string,
    /** The lookup column, e.g. OwnerId, when it could be determined. */
    readonly column?: string,
    status?: number,
  ) {
    super(message, status);
  }
}

/** GET/PATCH of a record that is not there (404). */
export class NotFoundError extends CreatioError {
  readonly kind = 'not_found' as const;
  readonly retryable = false;
  constructor(
    message: string,
    readonly entity: string,
    readonly id?: string,
  ) {
    super(message, 404);
  }
}

/** Worth retrying: 429/502/503/504, network errors, timeouts, unrecognised 500s. */
export class TransientError extends CreatioError {
  readonly kind = 'transient' as const;
  readonly retryable = true;
  constructor(
    message: string,
    status?: number,
    /** From Retry-After, when Creatio (or its gateway) sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message, status);
  }
}

/** HTML where JSON was expected (login page bounce, gateway error page with 200). */
export class UnexpectedHtmlError extends CreatioError {
  readonly kind = 'unexpected_html' as const;
  readonly retryable = true;
  constructor(message: string, status?: number) {
    super(message, status);
  }
}

/** Our settings are wrong for this instance: token URL 404, bad base path, missing token URL. */
export class ConfigurationError extends CreatioError {
  readonly kind = 'configuration' as const;
  readonly retryable = false;
  constructor(message: string, status?: number) {
    super(message, status);
  }
}

export function isCreatioError(err: unknown): err is CreatioError {
  return err instanceof CreatioError;
}
