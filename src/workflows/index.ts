// Everything the worker's workflow bundle exports (workflowsPath points here).
export { conversationSync } from './conversation-sync';
export { orgNotifications } from './org-notifications';
