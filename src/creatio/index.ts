/**
 * Public surface of the Creatio client. The access token never leaves this
 * folder: nothing exported here returns it (getToken() gives only the expiry).
 */
export * from './errors';
export * from './stock';
export {
  createCreatioClient,
  type CreatioClient,
  type CreatioClientDeps,
  type CreatioConnection,
  type CallOptions,
  type GetOptions,
  type QueryCallOptions,
  type BatchOptions,
  type RequestEvent,
  type RequestKind,
} from './client';
export type { CreateManyOptions, CreateManyResult, EntityRow } from './create-many';
export { MAX_BATCH_SIZE, type BatchItem, type BatchItemResult, type NewRecord, type ODataRecord } from './batch';
export { TokenCache, type TokenCacheOptions } from './token-cache';
export { ConnectionLimiter, defaultConnectionLimiter, type ConnectionLimiterOptions } from './limiter';
export { deriveTokenUrl, resolveEndpoints, DEFAULT_ODATA_BASE_PATH, type Endpoints, type EndpointSettings } from './urls';
export {
  and,
  eq,
  ne,
  gt,
  ge,
  lt,
  le,
  or,
  guid,
  lookupEq,
  formatGuid,
  isGuid,
  entityKeyPath,
  buildQueryString,
  type ODataLiteral,
  type QueryOptions,
} from './odata';
