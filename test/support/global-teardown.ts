export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __stopIntegrationServices?: () => Promise<void> }).__stopIntegrationServices?.();
}
