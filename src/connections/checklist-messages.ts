/**
 * The checklist's texts: what went wrong and what the admin should do, in
 * our words, built from the typed error's kind, status and OAuth code (never
 * from Creatio's own text, and never with a secret in it).
 */
import { CredentialsRejectedError, type CreatioError } from '../creatio';

export interface TokenEndpoint {
  tokenUrl: string;
  /** Derived from a *.creatio.com instance URL rather than entered. */
  derived: boolean;
  instanceUrl: string;
}

export interface ReadTarget {
  entity: string;
  instanceUrl: string;
  odataRoot: string;
  odataBasePath: string;
}

function httpStatus(err: CreatioError): string {
  return err.status !== undefined ? `HTTP ${err.status}` : 'no answer';
}

const OAUTH_APPS = 'System Designer → "OAuth 2.0 integrated applications"';

export function tokenFailure(err: CreatioError, ep: TokenEndpoint): string {
  if (err instanceof CredentialsRejectedError) {
    const code = err.oauthError ? ` ${err.oauthError}` : '';
    if (err.oauthError === 'unsupported_grant_type' || err.oauthError === 'unauthorized_client') {
      return (
        `The Identity Service does not allow this OAuth app the Client Credentials grant (${httpStatus(err)}${code}). ` +
        `In Creatio, open ${OAUTH_APPS}, open the app, set its grant type to "Client Credentials", save, and Test & Save here again.`
      );
    }
    return (
      `The Identity Service did not accept this client ID and secret (${httpStatus(err)}${code}). Check that: ` +
      '(1) both were copied whole, with nothing cut off or added (such as a space); ' +
      '(2) the secret was not regenerated in Creatio after you copied it: regenerating replaces the old secret at once, so copy the new one; ' +
      `(3) the app in ${OAUTH_APPS} is active and its grant type is "Client Credentials"; ` +
      `(4) the instance URL is just the address of your Creatio, without a trailing slash or a path (we tested ${ep.instanceUrl}).`
    );
  }
  if (err.kind === 'configuration' && err.status === 404) {
    return ep.derived
      ? `Nothing answers at ${ep.tokenUrl} (HTTP 404). For *.creatio.com instances that address is derived from the instance URL: ` +
          'check that the instance URL is exactly the address you open Creatio with, e.g. https://yourcompany.creatio.com.'
      : `Nothing answers at the token URL ${ep.tokenUrl} (HTTP 404). Enter the address of your Identity Service ending in /connect/token ` +
          '(Creatio stores it in the system setting "OAuth20IdentityServerUrl").';
  }
  if (err.kind === 'configuration') {
    return (
      `${ep.tokenUrl} answered (${httpStatus(err)}) but issued no token. ` +
      `Check that ${ep.derived ? 'the instance URL is right (the token URL is derived from it)' : 'the token URL is the Identity Service address ending in /connect/token'}.`
    );
  }
  if (err.kind === 'transient' && err.status !== undefined) {
    return `The Identity Service at ${ep.tokenUrl} is not available right now (${httpStatus(err)}). Try again in a few minutes.`;
  }
  if (err.kind === 'transient') {
    return (
      `Could not reach the Identity Service at ${ep.tokenUrl}. Check the instance URL${ep.derived ? '' : ' and the token URL'}, ` +
      'that the instance is up, and that it accepts connections from this service (firewall, IP allow-list); then try again.'
    );
  }
  return `The Identity Service at ${ep.tokenUrl} gave an unexpected answer (${err.kind}, ${httpStatus(err)}).`;
}

/** What the sync needs beyond Read, named when Read is refused. */
const ALSO_NEEDED: Record<string, string> = {
  Case: ', and also Create and Edit: the sync creates cases and sets their status',
  Activity: ', and also Create: the sync adds each message as an activity',
};

export function readFailure(err: CreatioError, t: ReadTarget): string {
  switch (err.kind) {
    case 'permission_denied':
      return (
        `The OAuth app's user may not read ${t.entity} records (HTTP 403). In Creatio, see which user the app runs as ` +
        `(${OAUTH_APPS}, "System user"), then in System Designer → "Object permissions" → ${t.entity} give that user, ` +
        `or a role it belongs to, Read access${ALSO_NEEDED[t.entity] ?? ''}.`
      );
    case 'configuration': {
      const other = t.odataBasePath === '/odata' ? '/0/odata' : '/odata';
      return (
        `The OData API was not found at ${t.odataRoot} (${httpStatus(err)}). ` +
        `Instances on .NET 8 (on-site) serve it at /odata, others at /0/odata: try odataBasePath "${other}".`
      );
    }
    case 'credentials_rejected':
      return (
        `The Identity Service issued a token, but ${t.instanceUrl} refused it. ` +
        'The token URL probably belongs to another Creatio instance: check that the instance URL and the token URL belong together.'
      );
    case 'transient':
    case 'unexpected_html':
      return `Creatio did not answer the test read of ${t.entity} properly (${httpStatus(err)}). Try again in a few minutes.`;
    default:
      return `Creatio refused the test read of ${t.entity} (${err.kind}, ${httpStatus(err)}).`;
  }
}

export const RECORD_NOT_FOUND = {
  Contact: (id: string) =>
    `No contact with ID ${id} in this Creatio instance. The Default Case Owner is the contact of the employee who should own new cases: ` +
    "open that employee's contact page in Creatio and copy the ID from the page address, or leave the field empty.",
  SysAdminUnit: (id: string) =>
    `No group with ID ${id} in this Creatio instance. The Default Case Group is an organizational or functional role ` +
    '(for example "1st-line support"): copy its ID from System Designer → "Organizational roles" or "Functional roles", or leave the field empty.',
  CaseStatus: (id: string, odataRoot: string) =>
    `No case status with ID ${id} in this Creatio instance. Pick the status that resolved conversations should set ` +
    `(usually "Resolved"); ${odataRoot}/CaseStatus lists them with their IDs. Or leave the field empty.`,
} as const;

export function cannotVerify(entity: string, err: CreatioError): string {
  return err.kind === 'permission_denied'
    ? `Could not check this: the OAuth app's user may not read ${entity} (HTTP 403). If the ID is wrong, cases will fail to save; ` +
        `give the user Read access to ${entity} to have it checked.`
    : `Could not check this (${err.kind}, ${httpStatus(err)}).`;
}

export const LOOKUP_MISSING = {
  originId:
    'No case origin named "Chat". Cases will get Creatio\'s default origin (system setting "Default case origin", CaseOriginDef; ' +
    '"Call" on a standard instance). To tell chat cases apart, add "Chat" to the Case origin lookup and Test & Save again.',
  activityTypeId:
    'No activity type named "Task", and the standard Task type is gone. Messages will be saved with Creatio\'s default activity type. ' +
    'Restore or add a "Task" activity type, then Test & Save again.',
  activityCategoryId:
    'No activity category named "To do", and the standard one is gone. Messages will be saved with Creatio\'s default category. ' +
    'Restore or add a "To do" category, then Test & Save again.',
  activityStatusId:
    'No activity status named "Completed", and the standard one is gone. Messages will be saved with Creatio\'s default status ' +
    '("Not started" on a standard instance), so they may show up as open tasks. Restore or add a "Completed" status, then Test & Save again.',
} as const;

export function lookupUnreadable(entity: string, err: CreatioError): string {
  return err.kind === 'permission_denied'
    ? `The OAuth app's user may not read ${entity} (HTTP 403), so Creatio's default value will be used. Give it Read access to ${entity} to use the named value.`
    : `Could not read ${entity} (${err.kind}, ${httpStatus(err)}); the sync will look it up again when it first writes.`;
}
