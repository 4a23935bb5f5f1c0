/**
 * What `vstatic serve` allows each client on the open internet: how long it may take to send its
 * request, to read the response and to idle between requests, how many connections are kept at once,
 * and how long a stop or a reload waits for the responses in flight.
 * @module
 */
import { readFileSync } from 'node:fs'
import type http from 'node:http'
import type { Socket } from 'node:net'
import { parseWhole } from './args.js'
import { type OptionTable, UsageError } from './command.js'

/** The limits of one serving process, in milliseconds and connections. */
export interface ServerLimits {
  /** How long a stop or a reload lets responses in flight finish before it cuts them. */
  readonly drainTimeoutMs: number
  /** How long a client may take to send its request headers (answered 408 after). */
  readonly headersTimeoutMs: number
  /** How long a client may take to send its whole request (answered 408 after). */
  readonly requestTimeoutMs: number
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number
  /** How long a response may stall (the client reads nothing) before its connection is cut. */
  readonly sendTimeoutMs: number
  /** Connections kept at once; those over the cap are closed as soon as they are accepted. */
  readonly maxConnections: number
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
  'headers-timeout': {
    type: 'string',
    default: '10',
    value: '<s>',
    help: ['Answer 408 to a client that has not sent its headers', 'within s seconds (default 10)'],
  },
  'request-timeout': {
    type: 'string',
    default: '30',
    value: '<s>',
    help: ['Answer 408 to a client that has not sent its whole', 'request within s seconds (default 30)'],
  },
  'keep-alive-timeout': {
    type: 'string',
    default: '5',
    value: '<s>',
    help: ['Close a keep-alive connection idle for s seconds', '(default 5)'],
  },
  'send-timeout': {
    type: 'string',
    default: '60',
    value: '<s>',
    help: ['Cut a response when its client has read nothing for', 's seconds (default 60)'],
  },
  'max-connections': {
    type: 'string',
    value: '<n>',
    help: [
      'Close new connections beyond n at once (default: half',
      'the open-file limit, a socket and a file for each)',
    ],
  },
} satisfies OptionTable

/** The limits given in seconds, each with its default. */
type TimeoutName = Exclude<keyof typeof LIMIT_OPTIONS, 'max-connections'>

/** The values parseArgs gives for LIMIT_OPTIONS. */
type LimitValues = { readonly [Name in keyof typeof LIMIT_OPTIONS]?: string }

/** Checks the limit flags; a default is given for each one that was not. */
export function parseLimits(values: LimitValues): ServerLimits {
  const seconds = (name: TimeoutName, minimum: number): number => {
    const value = values[name] ?? LIMIT_OPTIONS[name].default
    const parsed = parseWhole(`--${name}`, value)
    if (parsed < minimum) throw new UsageError(`--${name} must be ${minimum} or more, got ${value}`)
    return parsed * 1000
  }
  const limits = {
    drainTimeoutMs: seconds('drain-timeout', 0),
    headersTimeoutMs: seconds('headers-timeout', 1),
    requestTimeoutMs: seconds('request-timeout', 1),
    keepAliveTimeoutMs: seconds('keep-alive-timeout', 1),
    sendTimeoutMs: seconds('send-timeout', 1),
    maxConnections: parseMaxConnections(values['max-connections']),
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new UsageError(
      `--headers-timeout (${limits.headersTimeoutMs / 1000}) must not exceed --request-timeout (${limits.requestTimeoutMs / 1000})`,
    )
  }
  return limits
}

function parseMaxConnections(value: string | undefined): number {
  if (value === undefined) return Math.max(1, Math.floor(openFileLimit() / 2))
  const count = parseWhole('--max-connections', value)
  if (count < 1) throw new UsageError(`--max-connections must be 1 or more, got ${value}`)
  return count
}

/** Assumed where the limit cannot be read: the soft limit of most Linux distributions and of systemd. */
const USUAL_OPEN_FILE_LIMIT = 1024

/** The soft limit on open files (`ulimit -n`) of this process, from /proc on Linux. */
export function openFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8')
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1]
    if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER
    if (soft !== undefined) return Number(soft)
  } catch {
    // Not Linux: fall through to the usual limit.
  }
  return USUAL_OPEN_FILE_LIMIT
}

/** How often node:http looks for connections past their headers or request timeout (Node's default: 30 s). */
const TIMEOUT_CHECK_MS = 1000

/** The options of http.createServer that carry the limits. */
export function serverOptions(limits: ServerLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, limits.headersTimeoutMs / 2),
  }
}

/**
 * Sets the limits node:http takes as properties, and caps the connections: one over the cap is closed
 * as soon as it is accepted (the client sees a reset), and reported.
 */
export function applyLimits(
  server: http.Server,
  limits: ServerLimits,
  warn: (message: string) => void,
): void {
  // Node's socket timeout: on a connection sending a response, time without progress.
  server.timeout = limits.sendTimeoutMs
  // Not server.maxConnections: in a cluster, a worker at that cap hands the connection back to the
  // primary, which keeps it open and offers it to the workers again and again, using a CPU.
  const cap = limits.maxConnections
  const reportRefused = throttled((count) =>
    warn(`refused ${count} connection${count === 1 ? '' : 's'} over --max-connections ${cap}`),
  )
  let open = 0
  server.on('connection', (socket: Socket) => {
    if (open >= cap) {
      socket.destroy()
      reportRefused()
      return
    }
    open++
    socket.once('close', () => open--)
  })
}

/** How often, at most, a throttled event is reported. */
const REPORT_INTERVAL_MS = 10_000

/**
 * Returns the function to call on each event of a kind that may come in floods: the first is reported
 * at once, the next ones are counted and reported together, at most once per REPORT_INTERVAL_MS.
 */
export function throttled(report: (count: number) => void): () => void {
  let pending = 0
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    timer = undefined
    if (pending === 0) return
    report(pending)
    pending = 0
    timer = setTimeout(flush, REPORT_INTERVAL_MS).unref()
  }
  return () => {
    pending++
    if (timer === undefined) flush()
  }
}
