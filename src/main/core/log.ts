// The core's log: short messages and plain facts. Never a payload, password, code, token, key or PHI.

export interface Logger {
  info(message: string, facts?: Record<string, string | number | boolean>): void;
  warn(message: string, facts?: Record<string, string | number | boolean>): void;
  error(message: string, facts?: Record<string, string | number | boolean>): void;
}

export const consoleLogger: Logger = {
  info: (message, facts) => console.log(`[healthsphere] ${message}`, facts ?? ''),
  warn: (message, facts) => console.warn(`[healthsphere] ${message}`, facts ?? ''),
  error: (message, facts) => console.error(`[healthsphere] ${message}`, facts ?? ''),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
