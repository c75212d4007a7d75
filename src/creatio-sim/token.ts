/**
 * The Identity Service side: OAuth apps (clients), POST /connect/token with the
 * client_credentials grant, and bearer-token checks for OData. Error bodies follow
 * RFC 6749 5.2 as IdentityServer sends them (creatio-api.md 1.4).
 *
 * Issued tokens live until they expire or are revoked: changing a client's secret
 * or deactivating it does not invalidate them (creatio-api.md 5.2 [INFERRED]:
 * cached JWTs keep working until expiry).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Operation, Permissions, SimClientInfo, SimClientSpec, EntityName } from './types';

export interface SimClient {
  clientId: string;
  clientSecret: string;
  name: string;
  active: boolean;
  allowClientCredentials: boolean;
  permissions: Permissions;
  userContactId: string;
}

export interface Principal {
  clientId: string;
  userContactId: string;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export class IdentityService {
  private readonly clients = new Map<string, SimClient>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Instance-specific, opaque scope string as a real Identity Service returns one. */
  readonly scope = `ApplicationAccess_${randomUUID().replace(/-/g, '')}`;

  constructor(
    private readonly lifetimeSeconds: number,
    private readonly issuer: string,
    private readonly now: () => number,
  ) {}

  addClient(spec: SimClientSpec, userContactId: string): SimClient {
    if (typeof spec.clientId !== 'string' || spec.clientId === '') throw new Error('clientId must be a non-empty string');
    if (typeof spec.clientSecret !== 'string' || spec.clientSecret === '') throw new Error('clientSecret must be a non-empty string');
    if (this.clients.has(spec.clientId)) throw new Error(`client ${spec.clientId} already exists`);
    const client: SimClient = {
      clientId: spec.clientId,
      clientSecret: spec.clientSecret,
      name: spec.name ?? spec.clientId,
      active: spec.active ?? true,
      allowClientCredentials: spec.allowClientCredentials ?? true,
      permissions: { ...(spec.permissions ?? {}) },
      userContactId,
    };
    this.clients.set(client.clientId, client);
    return client;
  }

  client(clientId: string): SimClient {
    const c = this.clients.get(clientId);
    if (!c) throw new Error(`unknown client ${clientId}`);
    return c;
  }

  list(): SimClientInfo[] {
    return [...this.clients.values()].map((c) => ({
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      userContactId: c.userContactId,
    }));
  }

  allowed(clientId: string, entity: EntityName, op: Operation): boolean {
    const perms = this.clients.get(clientId)?.permissions[entity];
    return perms === undefined || perms.includes(op);
  }

  revoke(clientId?: string): void {
    for (const [token, t] of this.tokens) if (clientId === undefined || t.clientId === clientId) this.tokens.delete(token);
  }

  expire(clientId?: string): void {
    const now = this.now();
    for (const t of this.tokens.values()) if (clientId === undefined || t.clientId === clientId) t.expiresAt = Math.min(t.expiresAt, now);
  }

  /** Client id a request's bearer token belongs to, without validating it (for logs and fault matching). */
  peekClient(authorization: string | undefined): string | undefined {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    return token ? this.tokens.get(token)?.clientId : undefined;
  }

  authenticate(authorization: string | undefined): AuthResult {
    if (!authorization) return { ok: false, reason: 'missing' };
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!token) return { ok: false, reason: 'invalid' };
    const issued = this.tokens.get(token);
    if (!issued) return { ok: false, reason: 'invalid' };
    if (issued.expiresAt <= this.now()) {
      this.tokens.delete(token);
      return { ok: false, reason: 'expired' };
    }
    const client = this.clients.get(issued.clientId);
    if (!client) return { ok: false, reason: 'invalid' };
    return { ok: true, principal: { clientId: client.clientId, userContactId: client.userContactId } };
  }

  /** A JWT-shaped access token; clients must treat it as opaque. */
  private mint(client: SimClient, issuedAt: number, expiresAt: number): string {
    const header = base64url(JSON.stringify({ alg: 'RS256', kid: 'creatio-sim', typ: 'at+jwt' }));
    const payload = base64url(
      JSON.stringify({
        iss: this.issuer,
        nbf: Math.floor(issuedAt / 1000),
        iat: Math.floor(issuedAt / 1000),
        exp: Math.floor(expiresAt / 1000),
        aud: this.issuer,
        scope: [this.scope],
        client_id: client.clientId,
        jti: randomUUID().replace(/-/g, '').toUpperCase(),
      }),
    );
    return `${header}.${payload}.${base64url(randomBytes(64))}`;
  }

  /**
   * Handles POST /connect/token. `contentType` and `form` are the raw request's;
   * `basic` is the decoded HTTP Basic client authentication, if any (IdentityServer
   * accepts it besides body parameters).
   */
  token(
    method: string,
    contentType: string | undefined,
    rawBody: string,
    basic?: { clientId: string; clientSecret: string },
  ): TokenResponse {
    const error = (code: string, description?: string): TokenResponse => ({
      status: 400,
      body: description ? { error: code, error_description: description } : { error: code },
    });
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (method !== 'POST' || mediaType !== 'application/x-www-form-urlencoded') return error('invalid_request');
    const form = new URLSearchParams(rawBody);
    const clientId = form.get('client_id') ?? basic?.clientId;
    const clientSecret = form.get('client_secret') ?? basic?.clientSecret;
    const grantType = form.get('grant_type');
    if (!clientId) return error('invalid_request');
    const client = this.clients.get(clientId);
    // Same answer for unknown client, wrong secret and inactive client: nothing to probe.
    if (!client || client.clientSecret !== clientSecret || !client.active) return error('invalid_client');
    if (!grantType || grantType !== 'client_credentials') return error('unsupported_grant_type');
    if (!client.allowClientCredentials) return error('unauthorized_client');
    const issuedAt = this.now();
    const expiresAt = issuedAt + this.lifetimeSeconds * 1000;
    const accessToken = this.mint(client, issuedAt, expiresAt);
    this.tokens.set(accessToken, { clientId: client.clientId, expiresAt });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        expires_in: Math.ceil(this.lifetimeSeconds),
        token_type: 'Bearer',
        scope: this.scope,
      },
    };
  }
}
