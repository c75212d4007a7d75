/**
 * The URL admins paste into their Creatio business process so Creatio can
 * call us (two-way sync). Shown by GET /connection. The two-way sync issue
 * owns webhook tokens and fills this in; until then there is none.
 */
export type WebhookUrlFor = (orgId: string) => Promise<string | null>;

export const noWebhookUrl: WebhookUrlFor = async () => null;
