/**
 * Every column holding a secret sealed with SecretBox, and the associated
 * data it was sealed with. Key rotation walks this list; a new sealed column
 * must be added here or it will keep its old key.
 */
export interface SealedColumn {
  label: string;
  table: string;
  /** Primary key of a row. */
  idColumn: string;
  orgColumn: string;
  ciphertextColumn: string;
  keyIdColumn: string;
  /** The AAD the value was sealed with. */
  aad: (orgId: string) => string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    label: 'Creatio client secrets',
    table: 'connections',
    idColumn: 'org_id',
    orgColumn: 'org_id',
    ciphertextColumn: 'secret_ciphertext',
    keyIdColumn: 'secret_key_id',
    aad: (orgId) => orgId,
  },
  {
    // Sealed by src/webhooks/tokens-repo.ts.
    label: 'webhook URL tokens',
    table: 'webhook_tokens',
    idColumn: 'token_hash',
    orgColumn: 'org_id',
    ciphertextColumn: 'token_sealed',
    keyIdColumn: 'token_key_id',
    aad: (orgId) => `webhook:${orgId}`,
  },
];
