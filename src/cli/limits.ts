/**
 * What `vstatic serve` allows its clients: for now, how long a stop or a reload waits for the
 * responses in flight.
 * @module
 */
import { type OptionTable, parseWhole } from './args.js'

/** The limits of one serving process, in milliseconds. */
export interface ServerLimits {
  /** How long a stop or a reload lets responses in flight finish before it cuts them. */
  readonly drainTimeoutMs: number
}

/** The options of `vstatic serve` that set its limits; serve.ts lists them in its table. */
export const LIMIT_OPTIONS = {
  'drain-timeout': {
    type: 'string',
    default: '30',
    value: '<s>',
    help: [
      'On SIGTERM, SIGINT or a reload, let responses in flight',
      'finish for up to s seconds, then cut them (default 30)',
    ],
  },
} satisfies OptionTable

/** The values parseArgs gives for LIMIT_OPTIONS. */
type LimitValues = { readonly [Name in keyof typeof LIMIT_OPTIONS]?: string }

/** Checks the limit flags; a default is given for each one that was not. */
export function parseLimits(values: LimitValues): ServerLimits {
  const value = values['drain-timeout'] ?? LIMIT_OPTIONS['drain-timeout'].default
  return { drainTimeoutMs: parseWhole('--drain-timeout', value) * 1000 }
}
