import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

/** Routes the Temporal SDK's own logs (worker, workflow and activity loggers) into our pino logger. */
class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
    this.logger[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed = false;

/** Runtime.install may run once per process and before any worker or native connection. */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  // The SDK is chatty at info (bundle statistics, state changes): keep its warnings and errors
  // unless we are debugging.
  const level = logger.levelVal <= 20 ? logger.level : logger.levelVal > 40 ? logger.level : 'warn';
  Runtime.install({ logger: new PinoTemporalLogger(logger.child({ component: 'temporal' }, { level })) });
}
