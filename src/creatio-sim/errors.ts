/**
 * Error responses in the shape Creatio's OData 4 service (Microsoft ASP.NET OData)
 * produces: {"error":{"code":"","message":…,"innererror":{message,type,stacktrace}}}.
 * Database failures carry PostgreSQL texts wrapped in Terrasoft's
 * DbOperationException, which is what the client matches on (creatio-api.md 2.6).
 */
import { createHash } from 'node:crypto';

export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    innererror?: { message: string; type: string; stacktrace: string };
  };
}

export function envelope(message: string, inner?: { message?: string; type: string }): ErrorEnvelope {
  const body: ErrorEnvelope = { error: { code: '', message } };
  if (inner) body.error.innererror = { message: inner.message ?? message, type: inner.type, stacktrace: '' };
  return body;
}

/** An error that becomes an HTTP response; thrown anywhere below the HTTP layer. */
export class ODataHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorEnvelope,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.message);
    this.name = 'ODataHttpError';
  }
}

const ODATA_EXCEPTION = 'Microsoft.OData.ODataException';

export function badRequest(message: string, type = ODATA_EXCEPTION): ODataHttpError {
  return new ODataHttpError(400, envelope(message, { type }));
}

/** Query-option errors carry ASP.NET's prefix. */
export function invalidQuery(detail: string): ODataHttpError {
  return badRequest(`The query specified in the URI is not valid. ${detail}`);
}

export function notFound(message: string): ODataHttpError {
  return new ODataHttpError(404, envelope(message));
}

export function noResource(url: string): ODataHttpError {
  return notFound(`No HTTP resource was found that matches the request URI '${url}'.`);
}

export function methodNotAllowed(method: string, allow: string): ODataHttpError {
  return new ODataHttpError(
    405,
    envelope(`The requested resource does not support http method '${method}'.`),
    { allow },
  );
}

export function unsupportedMediaType(contentType: string | undefined): ODataHttpError {
  const shown = contentType && contentType.length > 0 ? contentType : 'application/octet-stream';
  return new ODataHttpError(
    415,
    envelope(`The request entity's media type '${shown}' is not supported for this resource.`, {
      type: 'System.Net.Http.UnsupportedMediaTypeException',
      message: `No MediaTypeFormatter is available to read an object of this type from content with media type '${shown}'.`,
    }),
  );
}

const OPERATION_WORDS: Record<'read' | 'create' | 'update' | 'delete', string> = {
  read: 'read records of',
  create: 'add records to',
  update: 'edit records of',
  delete: 'delete records of',
};

export function forbidden(operation: 'read' | 'create' | 'update' | 'delete', entity: string): ODataHttpError {
  // Wording [INFERRED]; Creatio documents only the 403 status (creatio-api.md 2.6).
  const message = `Insufficient permissions to ${OPERATION_WORDS[operation]} object "${entity}".`;
  return new ODataHttpError(403, envelope(message, { type: 'Terrasoft.Common.SecurityException' }));
}

const DB_EXCEPTION = 'Terrasoft.Common.DbOperationException';

function dbError(status: number, text: string, detail?: string): ODataHttpError {
  return new ODataHttpError(
    status,
    envelope(`${DB_EXCEPTION}: ${text}`, { type: DB_EXCEPTION, message: detail ? `${text}\nDETAIL: ${detail}` : text }),
  );
}

/** Deterministic constraint name in Creatio's style ("FK" + hash). */
function constraintName(prefix: string, ...parts: string[]): string {
  const hash = createHash('sha1').update(parts.join('.')).digest('base64').replace(/[^A-Za-z0-9]/g, '');
  return `${prefix}${hash.slice(0, 27)}`;
}

export function foreignKeyViolation(
  status: number,
  table: string,
  column: string,
  value: string,
  targetTable: string,
): ODataHttpError {
  return dbError(
    status,
    `23503: insert or update on table "${table}" violates foreign key constraint "${constraintName('FK', table, column)}"`,
    `Key ("${column}")=(${value}) is not present in table "${targetTable}".`,
  );
}

export function referencedOnDelete(
  status: number,
  table: string,
  referencingTable: string,
  column: string,
  id: string,
): ODataHttpError {
  return dbError(
    status,
    `23503: update or delete on table "${table}" violates foreign key constraint "${constraintName(
      'FK',
      referencingTable,
      column,
    )}" on table "${referencingTable}"`,
    `Key ("Id")=(${id}) is still referenced from table "${referencingTable}".`,
  );
}

export function duplicateKey(table: string, id: string): ODataHttpError {
  return dbError(
    500,
    `23505: duplicate key value violates unique constraint "PK${table}"`,
    `Key ("Id")=(${id}) already exists.`,
  );
}

export function valueTooLong(maxLength: number): ODataHttpError {
  return dbError(500, `22001: value too long for type character varying(${maxLength})`);
}

/** Business-logic refusal on a case in a final status (only with enforceFinalStatus). [INFERRED] */
export function finalCaseStatus(caseNumber: string): ODataHttpError {
  return new ODataHttpError(
    500,
    envelope(`Case ${caseNumber} is in a final status; its status cannot be changed.`, {
      type: 'Terrasoft.Common.InvalidObjectStateException',
    }),
  );
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'An error has occurred.',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? `HTTP ${status}`;
}
