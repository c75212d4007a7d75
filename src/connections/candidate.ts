/**
 * Turns what an admin submitted into the settings to test: URLs validated and
 * normalised, defaults filled in, and which secret to test with.
 */
import { isCreatioCloudHost, normaliseInstanceUrl, normaliseTokenUrl } from '../domain/connection-url';
import type { ConnectionSettings } from '../domain/connection';
import type { SealedSecret } from '../security/secret-box';
import type { ConnectionRecord } from '../store/connections-repo';

/** The request body, as validated by the API schema. */
export interface ConnectionInput {
  instanceUrl: string;
  tokenUrl?: string | null;
  odataBasePath?: '/0/odata' | '/odata';
  clientId: string;
  clientSecret?: string;
  ownerId?: string | null;
  groupId?: string | null;
  resolvedStatusId?: string | null;
  handoffOnly?: boolean;
}

/** The secret to test with: the one just entered, or the stored one (sealed until used). */
export type CandidateSecret = { kind: 'entered'; value: string } | { kind: 'stored'; sealed: SealedSecret };

export interface Candidate {
  settings: ConnectionSettings;
  secret: CandidateSecret;
}

export interface FieldIssue {
  path: string;
  message: string;
}

export type CandidateResult = { ok: true; candidate: Candidate } | { ok: false; issues: FieldIssue[] };

/** Fields that decide where the stored secret would be sent. */
function sameDestination(a: ConnectionSettings, b: ConnectionSettings): boolean {
  return a.instanceUrl === b.instanceUrl && a.tokenUrl === b.tokenUrl && a.clientId === b.clientId;
}

/**
 * PUT replaces the settings as a whole: optional fields left out are cleared,
 * except odataBasePath, which keeps its stored value. The stored secret is
 * reused only for the same client ID at the same addresses, so changing the
 * address cannot send it somewhere new without re-entering it.
 */
export function buildCandidate(input: ConnectionInput, existing: ConnectionRecord | undefined): CandidateResult {
  const issues: FieldIssue[] = [];
  const instance = normaliseInstanceUrl(input.instanceUrl);
  if (!instance.ok) issues.push({ path: 'instanceUrl', message: instance.message });
  let tokenUrl: string | null = null;
  if (input.tokenUrl) {
    const t = normaliseTokenUrl(input.tokenUrl);
    if (t.ok) tokenUrl = t.url;
    else issues.push({ path: 'tokenUrl', message: t.message });
  } else if (instance.ok && !isCreatioCloudHost(instance.url)) {
    issues.push({
      path: 'tokenUrl',
      message: 'Not a *.creatio.com instance: give the Identity Service token URL (e.g. https://identity.example.com/connect/token).',
    });
  }
  if (!instance.ok || issues.length > 0) return { ok: false, issues };

  const settings: ConnectionSettings = {
    instanceUrl: instance.url,
    tokenUrl,
    odataBasePath: input.odataBasePath ?? existing?.odataBasePath ?? '/0/odata',
    clientId: input.clientId,
    ownerId: input.ownerId ?? null,
    groupId: input.groupId ?? null,
    resolvedStatusId: input.resolvedStatusId ?? null,
    handoffOnly: input.handoffOnly ?? false,
  };
  if (input.clientSecret) return { ok: true, candidate: { settings, secret: { kind: 'entered', value: input.clientSecret } } };
  if (!existing?.secret) {
    return { ok: false, issues: [{ path: 'clientSecret', message: 'Required: no client secret is stored for this organisation' }] };
  }
  if (!sameDestination(settings, existing)) {
    return {
      ok: false,
      issues: [
        {
          path: 'clientSecret',
          message: 'Enter the client secret again: the stored one is only reused for the same client ID, instance URL and token URL',
        },
      ],
    };
  }
  return { ok: true, candidate: { settings, secret: { kind: 'stored', sealed: existing.secret } } };
}
