import { startCreatioSimulator, type CreatioSimulator, type SimulatorOptions } from '../../../src/creatio-sim';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary shapes
}

export async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function startSim(options: SimulatorOptions = {}): Promise<CreatioSimulator> {
  return startCreatioSimulator(options);
}

export async function tokenRequest(
  sim: CreatioSimulator,
  form: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
): Promise<Reply> {
  return reply(
    await fetch(sim.tokenUrl, { method: 'POST', headers: { 'content-type': contentType }, body: new URLSearchParams(form).toString() }),
  );
}

export async function getToken(sim: CreatioSimulator, clientIndex = 0): Promise<string> {
  const c = sim.clients[clientIndex];
  if (!c) throw new Error('no such client');
  const r = await tokenRequest(sim, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret });
  if (r.status !== 200) throw new Error(`token failed: ${r.status} ${r.text}`);
  return r.json.access_token as string;
}

export const JSON_CT = 'application/json; charset=utf-8; IEEE754Compatible=true';

/** An OData call; `path` is relative to the OData root (e.g. "Case?$top=1"). */
export async function odata(
  sim: CreatioSimulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!('content-type' in h)) h['content-type'] = JSON_CT;
  }
  const init: RequestInit = { method, headers: h };
  if (payload !== undefined) init.body = payload;
  return reply(await fetch(`${sim.odataUrl}/${path}`, init));
}
