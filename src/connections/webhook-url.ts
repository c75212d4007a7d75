/**
 * The URL admins paste into their Creatio business process so Creatio can
 * call us (two-way sync), shown by GET /connection. Webhook tokens belong to
 * src/webhooks; the API assembly decides how the URL is made.
 */
export type WebhookUrlFor = (orgId: string) => Promise<string | null>;
