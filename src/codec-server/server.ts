import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { authorize, corsHeaders, isLoopbackHost, parseOrigins, PREFLIGHT_HEADERS, type AccessPolicy } from './access';
import { payloadFromJson, payloadToJson, PayloadsBody } from './payload-json';

/**
 * The codec server (https://docs.temporal.io/codec-server): POST /encode and
 * /decode, also under /{namespace}/..., so the Temporal Web UI and CLI can
 * show the payloads our codec encrypted. Same keys as the workers.
 */
export interface CodecServerOptions extends AccessPolicy {
  codec: PayloadCodec;
  /** The namespace whose keys we hold; calls naming another get 404. */
  namespace: string;
  logger?: FastifyBaseLogger;
}

/** The UI sends one event's payloads at a time; histories cap a payload at 2 MB by default. */
const BODY_LIMIT = 8 * 1024 * 1024;

export function buildCodecServer(o: CodecServerOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({ loggerInstance: o.logger, bodyLimit: BODY_LIMIT });

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: 'invalid_request', message: err.message });
    req.log.error({ err }, 'codec request failed');
    return reply.code(500).send({ error: 'internal', message: 'Internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found', message: 'POST /encode or /decode (optionally /{namespace}/...)' }));

  // Preflight: answered for allowed origins only, so other pages' browsers refuse to send the call.
  app.route({
    method: 'OPTIONS',
    url: '*',
    handler: async (req, reply) => {
      const cors = corsHeaders(header(req, 'origin'), o);
      if (!cors) return reply.code(403).send({ error: 'forbidden', message: 'Origin not allowed' });
      // Chrome's private network access preflight (a page asking for a loopback address).
      const pna = header(req, 'access-control-request-private-network') === 'true' ? { 'access-control-allow-private-network': 'true' } : {};
      return reply.code(204).headers({ ...cors, ...PREFLIGHT_HEADERS, ...pna }).send();
    },
  });

  for (const operation of ['encode', 'decode'] as const) {
    const handler = async (req: FastifyRequest<{ Params: { namespace?: string } }>, reply: FastifyReply) => {
      const origin = header(req, 'origin');
      const cors = corsHeaders(origin, o);
      if (cors) reply.headers(cors);
      const access = authorize({ authorization: header(req, 'authorization'), origin, remoteAddress: req.socket.remoteAddress, operation }, o);
      if (!access.allowed) {
        if (access.status === 401) reply.header('www-authenticate', 'Bearer');
        return reply.code(access.status).send({ error: access.status === 401 ? 'unauthorized' : 'forbidden', message: access.message });
      }
      // The Temporal CLI sends an empty X-Namespace: same as none.
      const namespace = req.params.namespace ?? (header(req, 'x-namespace') || undefined);
      if (namespace !== undefined && namespace !== o.namespace) {
        return reply.code(404).send({ error: 'unknown_namespace', message: `This codec server holds the keys of namespace "${o.namespace}"` });
      }
      const body = PayloadsBody.safeParse(req.body);
      if (!body.success) {
        return reply.code(400).send({ error: 'invalid_request', message: 'Expected {"payloads":[{"metadata":{...base64},"data":"base64"}]}' });
      }
      const input = body.data.payloads.map(payloadFromJson);
      let output: Payload[];
      try {
        output = operation === 'encode' ? await o.codec.encode(input) : await o.codec.decode(input);
      } catch (err) {
        // Unknown key ID, tampering, truncation: the caller's data, not our failure.
        return reply.code(400).send({ error: 'undecodable', message: err instanceof Error ? err.message : String(err) });
      }
      return reply.send({ payloads: output.map(payloadToJson) });
    };
    app.post(`/${operation}`, handler);
    app.post(`/:namespace/${operation}`, handler);
  }
  return app;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface CodecServerSettings {
  host: string;
  port: number;
  allowedOrigins: Set<string>;
  loopbackUiWithoutToken: boolean;
}

/** Listening address and browser access from the configuration. */
export function codecServerSettings(cfg: Config): CodecServerSettings {
  const origins = cfg.CODEC_SERVER_CORS_ORIGINS ?? `http://127.0.0.1:${cfg.TEMPORAL_UI_PORT},http://localhost:${cfg.TEMPORAL_UI_PORT}`;
  return {
    host: cfg.CODEC_SERVER_HOST,
    port: cfg.CODEC_SERVER_PORT,
    allowedOrigins: parseOrigins(origins),
    // Never without a token once reachable from other machines.
    loopbackUiWithoutToken: (cfg.CODEC_SERVER_LOOPBACK_UI_WITHOUT_TOKEN ?? cfg.NODE_ENV !== 'production') && isLoopbackHost(cfg.CODEC_SERVER_HOST),
  };
}

export interface RunningCodecServer {
  /** Base URL, e.g. http://127.0.0.1:8234 (the UI appends /decode). */
  url: string;
  close(): Promise<void>;
}

export async function startCodecServer(o: CodecServerOptions & { host: string; port: number }): Promise<RunningCodecServer> {
  const app = buildCodecServer(o);
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return { url: `http://${host}:${port}`, close: () => app.close() };
}
