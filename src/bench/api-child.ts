/**
 * The real API entry point (`npm run api`, src/api/main.ts) as a child of the
 * benchmark, which stops it with SIGTERM; if the driver dies instead, the
 * closed IPC channel stops it the same way.
 */
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
require('../api/main');
