/**
 * startCreatioSimulator: binds the HTTP server, builds the state and returns the
 * in-process control surface (CreatioSimulator).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BusinessProcessEmulator, resolveBusinessProcesses } from './business-processes';
import { ControlApi } from './control';
import { SimulatorCore, resolveOptions, type SimUrls } from './core';
import { SimulatorHttpHandler } from './server';
import type { CreatioSimulator, SimClientSpec, SimulatorOptions } from './types';

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function defaultClientSpec(): SimClientSpec {
  return {
    clientId: randomBytes(16).toString('hex').toUpperCase(),
    clientSecret: randomBytes(32).toString('hex'),
    name: 'Integration app user',
  };
}

export async function startCreatioSimulator(options: SimulatorOptions = {}): Promise<CreatioSimulator> {
  const opts = resolveOptions(options);
  // Validate before binding so a bad option leaves no server behind.
  if (options.businessProcesses !== undefined) resolveBusinessProcesses(options.businessProcesses);
  let handler: SimulatorHttpHandler | undefined;
  const server = createServer((req, res) => {
    if (handler) handler.handle(req, res);
    else res.socket?.destroy();
  });
  // Keep-alive sockets would otherwise hold close() open.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const address = await listen(server, opts.port, opts.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const urls: SimUrls = { url, tokenUrl: `${url}/connect/token`, odataUrl: `${url}${opts.odataBasePath}` };
  const core = new SimulatorCore(opts, urls, options.clients ?? [defaultClientSpec()]);
  const processes = new BusinessProcessEmulator({
    now: core.now,
    activityTypeName: (typeId) => {
      const name = core.store.get('ActivityType', typeId)?.Name;
      return typeof name === 'string' ? name : undefined;
    },
    caseStatus: (statusId) => {
      const row = core.store.get('CaseStatus', statusId);
      return row ? { isResolved: row.IsResolved === true, isFinal: row.IsFinal === true } : undefined;
    },
    isClientUser: (contactId) => core.identity.list().some((c) => c.userContactId === contactId),
  });
  processes.configure(options.businessProcesses);
  core.onRecordChange((change) => processes.handleChange(change));

  let closing: Promise<void> | undefined;
  const sim: CreatioSimulator = {
    url: urls.url,
    tokenUrl: urls.tokenUrl,
    odataUrl: urls.odataUrl,
    get clients() {
      return core.identity.list();
    },
    get agentContactId() {
      return core.agentContactId;
    },
    addClient: (spec) => core.addClient(spec),
    setClientSecret: (clientId, secret) => {
      if (typeof secret !== 'string' || secret === '') throw new Error('secret must be a non-empty string');
      core.identity.client(clientId).clientSecret = secret;
    },
    setClientActive: (clientId, active) => void (core.identity.client(clientId).active = active),
    setPermissions: (clientId, permissions) => void (core.identity.client(clientId).permissions = { ...permissions }),
    revokeTokens: (clientId) => core.identity.revoke(clientId),
    expireTokens: (clientId) => core.identity.expire(clientId),
    injectFaults: (rule) => core.faults.add(rule),
    removeFault: (id) => core.faults.remove(id),
    clearFaults: () => core.faults.clear(),
    faults: () => core.faults.list(),
    faultCounts: () => core.faults.counters(),
    records: (entity) => core.records(entity),
    getRecord: (entity, id) => core.format(entity, id),
    insertRecord: (entity, row, o) => core.insertRecord(entity, row, o?.asUserContactId),
    updateRecord: (entity, id, patch, o) => core.updateRecord(entity, id, patch, o?.asUserContactId),
    deleteRecord: (entity, id, o) => core.deleteRecord(entity, id, o?.dependents, o?.asUserContactId),
    requestLog: () => core.recorder.entries(),
    requestCounts: () => core.recorder.countsByKind(),
    resetCounts: () => {
      core.recorder.reset();
      core.faults.resetCounters();
    },
    onRecordChange: (listener) => core.onRecordChange(listener),
    setBusinessProcesses: (bp) => processes.configure(bp),
    businessProcesses: () => processes.current(),
    webhookControls: (controls) => processes.setControls(controls),
    releaseWebhooks: () => processes.release(),
    webhookLog: () => processes.attempts(),
    webhookCounts: () => processes.counts(),
    clearWebhookLog: () => processes.clearLog(),
    webhooksSettled: (timeoutMs) => processes.settled(timeoutMs),
    onWebhookAttempt: (listener) => processes.onAttempt(listener),
    close: () => {
      closing ??= Promise.all([
        processes.close(),
        new Promise<void>((resolve) => {
          handler?.shutdown();
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        }),
      ]).then(() => undefined);
      return closing;
    },
  };

  const describe = (): Record<string, unknown> => ({
    url: urls.url,
    tokenUrl: urls.tokenUrl,
    odataUrl: urls.odataUrl,
    options: { ...opts, controlToken: opts.controlToken === undefined ? undefined : '(set)' },
    clients: core.identity.list(),
    agentContactId: core.agentContactId,
    businessProcesses: processes.current() ?? null,
  });
  const control = opts.controlApi ? new ControlApi(sim, describe, opts.controlToken) : undefined;
  handler = new SimulatorHttpHandler(core, control);
  return sim;
}
