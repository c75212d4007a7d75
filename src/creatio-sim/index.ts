/**
 * Creatio simulator: a real HTTP server faithful to the parts of Creatio's API the
 * sync uses (creatio-api.md sections 1, 2, 3, 5, 7), strict where Creatio is strict.
 * See README.md in this folder for behaviour, fault rules and the control API.
 */
export { startCreatioSimulator, defaultClientSpec } from './simulator';
export { faultPresets } from './faults';
export { SIM_IDS, SysAdminUnitType } from './seed';
export { MAX_BATCH_REQUESTS } from './batch';
export { ODataHttpError } from './errors';
export type { ErrorEnvelope } from './errors';
export { ENTITY_NAMES, isEntityName } from './types';
export { encodeWebhookBody } from './business-processes';
export type {
  ActiveFaultInfo,
  AgentWriteOptions,
  BusinessProcessKind,
  BusinessProcessesOptions,
  CreatioSimulator,
  DeleteOptions,
  EntityName,
  FaultResponse,
  FaultRule,
  Operation,
  Permissions,
  RecordChange,
  RecordRow,
  RequestKind,
  RequestLogEntry,
  SimClientInfo,
  SimClientSpec,
  SimulatorOptions,
  WebhookAttempt,
  WebhookControlState,
  WebhookControls,
  WebhookCounts,
  WebhookPayload,
} from './types';
