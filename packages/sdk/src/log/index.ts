export {
  createLogger,
  LOG_LEVELS,
  type LogAttributes,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  parseLogLevel,
  pyTimestamp,
  silentLogger,
} from './logger.ts';
export { REDACTED, Redactor } from './redact.ts';
