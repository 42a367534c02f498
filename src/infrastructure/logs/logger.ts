// The controller's log: winston JSON lines in logs/controller.log, secrets redacted before they
// are written (key names like *KEY*/*TOKEN*/*SECRET*, known token shapes, and the values of the
// secret variables this process knows about).
import { constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import winston from 'winston';
import { createRedactor, isSecretName, redactDeep } from '../../domain/redact.js';

export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
  close(): Promise<void>;
}

// Values of secret-named variables in an environment (to redact wherever they show up).
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && typeof value === 'string' && value.length >= 6)
    .map(([, value]) => value as string);
}

export interface LoggerOptions {
  readonly file: string;
  readonly level?: string;
  readonly secrets?: Iterable<string>;
  // Also print to stderr (the daemon in --foreground mode).
  readonly console?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  const redactText = createRedactor(options.secrets ?? secretValuesOf(process.env));
  // Redacts in place: winston keeps its routing data under symbol keys that must survive.
  const redaction = winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level') continue;
      info[key] = key === 'message' ? redactText(String(info[key])) : redactDeep(info[key], redactText);
      if (key !== 'message' && isSecretName(key)) info[key] = '***';
    }
    return info;
  });
  const transports: winston.transport[] = [
    new winston.transports.File({
      filename: options.file,
      maxsize: 10 * 1024 * 1024,
      maxFiles: 3,
      tailable: true,
      // 0600, and never appended through a symbolic link planted at the log's path.
      options: { flags: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, mode: 0o600 },
    }),
  ];
  if (options.console) transports.push(new winston.transports.Console({ stderrLevels: ['debug', 'info', 'warn', 'error'] }));
  const logger = winston.createLogger({
    level: options.level ?? process.env.TMUXORCH_LOG_LEVEL ?? 'info',
    format: winston.format.combine(redaction(), winston.format.timestamp(), winston.format.json()),
    transports,
  });
  return {
    debug: (message, meta) => logger.debug(message, meta),
    info: (message, meta) => logger.info(message, meta),
    warn: (message, meta) => logger.warn(message, meta),
    error: (message, meta) => logger.error(message, meta),
    close: () =>
      new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
        setTimeout(resolve, 500).unref();
      }),
  };
}

// A logger that drops everything (tests, and the API used without a home).
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  close: async () => undefined,
};
