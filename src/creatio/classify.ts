/**
 * HTTP status + Creatio error text → typed error. This is the ONLY place that
 * looks at Creatio's (database) error texts; everything else branches on the
 * resulting class, `kind` and `retryable`.
 *
 * Messages are built here in our own words so that no record content reaches
 * logs: Creatio's 500 texts can quote values ("Truncated value: '…'", FK key
 * details), so for 500s we only name columns. A 400's own message is kept
 * (capped) because it is the useful part and is about the request's shape.
 */
import {
  ConfigurationError,
  CreatioError,
  CredentialsRejectedError,
  DuplicateKeyError,
  InvalidLookupError,
  NotFoundError,
  PermissionDeniedError,
  TransientError,
  UnexpectedHtmlError,
  ValidationError,
} from './errors';
import { parseRetryAfter, type ErrorEnvelope } from './http';

export type Operation = 'read' | 'create' | 'update' | 'delete' | 'batch';

export interface ErrorContext {
  status: number;
  headers: Record<string, string>;
  envelope: ErrorEnvelope;
  isHtml: boolean;
  entity: string;
  operation: Operation;
  /** Record key when the request addressed one record (`Entity(<id>)`). */
  id?: string;
  /** The JSON body we sent (POST/PATCH), used to work out which lookup an FK error is about. */
  sentBody?: Record<string, unknown>;
  now?: number;
}

const FK_TEXT = /\b23503\b|foreign key/i;
const STILL_REFERENCED_TEXT = /still referenced|update or delete on table|The DELETE statement conflicted/i;
const DUPLICATE_TEXT = /\b23505\b|duplicate key|Violation of (PRIMARY KEY|UNIQUE KEY) constraint/i;
const TOO_LONG_TEXT = /value too long|\b22001\b|would be truncated/i;
const MAX_CREATIO_MESSAGE = 300;

const OPERATION_VERB: Record<Operation, string> = {
  read: 'read',
  create: 'create',
  update: 'update',
  delete: 'delete',
  batch: 'batch-write',
};

export function isDuplicateKeyText(text: string): boolean {
  return DUPLICATE_TEXT.test(text);
}

function cap(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_CREATIO_MESSAGE ? `${oneLine.slice(0, MAX_CREATIO_MESSAGE)}…` : oneLine;
}

function mentions(text: string, word: string): boolean {
  // Letters/digits only as boundaries so that constraint names like FK_Case_OwnerId count.
  return new RegExp(`(?<![A-Za-z0-9])${word}(?![A-Za-z0-9])`).test(text);
}

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** Lookup columns the request set to a non-empty value: keys ending in "Id" other than the key itself. */
export function sentLookupColumns(body: Record<string, unknown> | undefined): string[] {
  if (!body) return [];
  return Object.keys(body).filter((k) => {
    const v = body[k];
    return k !== 'Id' && /^[A-Za-z_]\w*Id$/.test(k) && typeof v === 'string' && v !== '' && v.toLowerCase() !== EMPTY_GUID;
  });
}

/** Lookup columns whose name does not tell the table they point at (Creatio conventions). */
const KNOWN_TARGETS: Record<string, string> = {
  OwnerId: 'Contact',
  CreatedById: 'Contact',
  ModifiedById: 'Contact',
  AuthorId: 'Contact',
  GroupId: 'SysAdminUnit',
};

function pointsAt(column: string, table: string): boolean {
  const known = KNOWN_TARGETS[column];
  if (known) return known.toLowerCase() === table.toLowerCase();
  const base = column.slice(0, -2).toLowerCase();
  const t = table.toLowerCase();
  // StatusId → CaseStatus, TypeId → ActivityType, ActivityCategoryId → ActivityCategory.
  return t === base || t.endsWith(base);
}

/**
 * Which lookup column an FK error is about. Creatio's FK constraint names are
 * usually hashes ("FKjl2Vr8W…"), so the name alone rarely helps. In order:
 * 1. PostgreSQL's detail `Key ("OwnerId")=(…)`;
 * 2. a sent lookup column mentioned anywhere in the text (constraint or column name);
 * 3. the referenced table (PostgreSQL `is not present in table "Contact"`, MSSQL
 *    `conflict occurred in database "…", table "dbo.Contact"`) matched against the
 *    sent lookup columns by name;
 * 4. the only lookup column the request sent.
 * Otherwise undefined, and the message lists the candidates.
 */
export function inferForeignKeyColumn(
  text: string,
  body: Record<string, unknown> | undefined,
): { column?: string; candidates: string[] } {
  const candidates = sentLookupColumns(body);
  const pgKey = /Key \("?([A-Za-z_]\w*)"?\)=\(/.exec(text);
  if (pgKey?.[1]) return { column: pgKey[1], candidates };

  const mentioned = candidates.filter((c) => mentions(text, c));
  if (mentioned.length === 1) return { column: mentioned[0], candidates };

  const table =
    /is not present in table "(?:\w+\.)?(\w+)"/.exec(text)?.[1] ??
    /conflict occurred in database "[^"]*", table "(?:\w+\.)?(\w+)"/.exec(text)?.[1];
  if (table) {
    const matching = candidates.filter((c) => pointsAt(c, table));
    if (matching.length === 1) return { column: matching[0], candidates };
  }
  if (candidates.length === 1) return { column: candidates[0], candidates };
  return { candidates };
}

/** Column named by an OData "unknown property" message, e.g. `The property 'X' does not exist`. */
export function inferPropertyName(text: string): string | undefined {
  const m =
    /propert(?:y|ies)(?: named)? ['"`]([A-Za-z_]\w*)['"`]/i.exec(text) ??
    /(?:column|field|member) ['"`]([A-Za-z_]\w*)['"`]/i.exec(text);
  return m?.[1];
}

function target(ctx: ErrorContext): string {
  return ctx.id ? `${ctx.entity} ${ctx.id}` : ctx.entity;
}

function databaseError(ctx: ErrorContext): CreatioError | undefined {
  const text = ctx.envelope.fullText;
  const verb = OPERATION_VERB[ctx.operation];
  if (FK_TEXT.test(text) && (ctx.operation === 'delete' || STILL_REFERENCED_TEXT.test(text))) {
    // The FK points the other way: other records reference the one being deleted.
    return new ValidationError(
      `Creatio refused to delete ${target(ctx)}: other records still reference it (foreign key)`,
      ctx.status,
    );
  }
  if (FK_TEXT.test(text)) {
    const { column, candidates } = inferForeignKeyColumn(text, ctx.sentBody);
    const which = column
      ? `lookup column ${column}`
      : candidates.length > 0
        ? `one of the lookup columns (${candidates.join(', ')})`
        : 'a lookup column';
    return new InvalidLookupError(
      `Creatio rejected the ${verb} of ${ctx.entity}: ${which} points at a record that does not exist (foreign key violation)`,
      column,
      ctx.status,
    );
  }
  if (DUPLICATE_TEXT.test(text)) {
    return new DuplicateKeyError(
      `Creatio rejected the ${verb} of ${target(ctx)}: a record with the same key already exists (duplicate key)`,
      ctx.status,
    );
  }
  if (TOO_LONG_TEXT.test(text)) {
    const column = ctx.sentBody ? Object.keys(ctx.sentBody).find((k) => mentions(text, k)) : undefined;
    return new ValidationError(
      `Creatio rejected the ${verb} of ${ctx.entity}: a text value is longer than its column allows` +
        (column ? ` (${column})` : ''),
      ctx.status,
      column,
    );
  }
  return undefined;
}

function isLoginRedirect(location: string | undefined): boolean {
  return location !== undefined && /login|nuilogin|auth/i.test(location);
}

/** Whether a response looks like an authentication bounce worth one token refresh. */
export function isAuthBounce(status: number, headers: Record<string, string>, isHtml: boolean): boolean {
  if (status === 401) return true;
  if (status >= 300 && status < 400) return isLoginRedirect(headers['location']);
  return status >= 200 && status < 300 && isHtml;
}

export function classifyHttpError(ctx: ErrorContext): CreatioError {
  const { status, entity, operation } = ctx;
  const verb = OPERATION_VERB[operation];
  const retryAfterMs = parseRetryAfter(ctx.headers['retry-after'], ctx.now);

  // Status wins over body type for throttling/outages: keep Retry-After.
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    const what = status === 429 ? 'is throttling requests' : 'is unavailable (maintenance or gateway error)';
    return new TransientError(
      `Creatio ${what}: ${status} on ${verb} of ${entity}${ctx.isHtml ? ' (HTML error page)' : ''}`,
      status,
      retryAfterMs,
    );
  }
  if (status === 400 || status >= 500) {
    const db = databaseError(ctx);
    if (db) return db;
  }
  if (status >= 500) {
    return new TransientError(`Creatio failed with ${status} on ${verb} of ${entity}`, status, retryAfterMs);
  }
  if (status >= 300 && status < 400) {
    if (isLoginRedirect(ctx.headers['location'])) {
      return new UnexpectedHtmlError(
        `Creatio redirected the ${verb} of ${entity} to its login page (${status}) instead of accepting the Bearer token; ` +
          'check that OAuth 2.0 integration is enabled for this instance',
        status,
      );
    }
    return new ConfigurationError(
      `Creatio answered the ${verb} of ${entity} with a redirect (${status}); check the instance URL (https, host name)`,
      status,
    );
  }
  if (status === 404 && ctx.isHtml) {
    return new ConfigurationError(
      `Creatio answered ${verb} of ${entity} with an HTML 404 page; check the instance URL and the OData base path (/0/odata or /odata)`,
      status,
    );
  }
  if (ctx.isHtml) {
    return new UnexpectedHtmlError(
      `Creatio answered the ${verb} of ${entity} with an HTML page (${status}) where JSON was expected ` +
        '(login page, proxy or gateway page)',
      status,
    );
  }
  switch (status) {
    case 401:
      return new CredentialsRejectedError(
        `Creatio OData rejected a token the Identity Service had just issued (401 on ${verb} of ${entity}); ` +
          "check that the Identity Service belongs to this instance and that the OAuth app's system user is active",
        status,
      );
    case 403:
      return new PermissionDeniedError(
        `Creatio denied permission to ${verb} ${entity} (403): grant the OAuth app's system user the ` +
          `${operation === 'read' ? 'read' : operation === 'batch' ? 'required' : operation} right on ${entity}`,
        entity,
        operation,
        status,
      );
    case 404:
      if (ctx.id) return new NotFoundError(`${entity} ${ctx.id} not found in Creatio`, entity, ctx.id);
      return new ConfigurationError(
        `Creatio has no OData collection "${entity}" at the configured base path (404); check the OData base path and entity name`,
        status,
      );
    case 405:
      return new ConfigurationError(`Creatio does not allow ${verb} on ${entity} (405)`, status);
    case 409:
      return new DuplicateKeyError(`Creatio reported a conflict on ${verb} of ${target(ctx)} (409)`, status);
    default: {
      const creatio = ctx.envelope.message ? `: ${cap(ctx.envelope.message)}` : '';
      return new ValidationError(
        `Creatio rejected the ${verb} of ${entity} (${status})${creatio}`,
        status,
        inferPropertyName(ctx.envelope.fullText),
      );
    }
  }
}
