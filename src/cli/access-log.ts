/**
 * The access log of `vstatic serve`: one line per response, when it closes, with the time the
 * request arrived, the client's address, the request, the status, the body bytes sent and the time
 * taken. Three formats: `dev` (short, for a terminal), `combined` (Apache's and nginx's, which log
 * tools read) and `json` (one object per line).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ClientAddress, createClientAddress } from './client-address.js'

/** The formats `--log-format` takes. */
export const LOG_FORMATS = ['dev', 'combined', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

/** How requests are logged (plain data: a cluster hands it to its workers as JSON). */
export interface AccessLogSettings {
  readonly format: LogFormat
  /** `--trust-proxy` entries: the proxies whose X-Real-IP / X-Forwarded-For are believed. */
  readonly trustProxy: readonly string[]
}

/** What one line reports. */
export interface AccessRecord {
  /** When the request arrived. */
  readonly time: Date
  readonly remote: string
  readonly method: string
  /** The request target as sent: path and query. */
  readonly target: string
  readonly protocol: string
  readonly status: number
  /** Bytes of the body sent, headers excluded (Apache's %B, nginx's $body_bytes_sent). */
  readonly bytes: number
  readonly durationMs: number
  readonly referer: string | undefined
  readonly userAgent: string | undefined
  /** The client went away before the response was complete. */
  readonly aborted: boolean
  /** The worker's pid, in a cluster. */
  readonly pid: number | undefined
}

/** Starts logging a request; the line is written when its response closes. */
export type AccessLog = (req: IncomingMessage, res: ServerResponse) => void

export function createAccessLog(
  settings: AccessLogSettings,
  write: (line: string) => void,
  pid?: number,
): AccessLog {
  const clientAddress: ClientAddress = createClientAddress(settings.trustProxy)
  const format = FORMATTERS[settings.format]
  return (req, res) => {
    const time = new Date()
    const started = process.hrtime.bigint()
    const bodyBytes = countBodyBytes(res)
    res.once('close', () => {
      const status = res.statusCode
      const hasBody = req.method !== 'HEAD' && status !== 204 && status !== 304
      const record: AccessRecord = {
        time,
        remote: clientAddress(req),
        method: req.method ?? '-',
        target: req.url ?? '-',
        protocol: `HTTP/${req.httpVersion}`,
        status,
        bytes: hasBody ? bodyBytes() : 0,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        referer: req.headers.referer,
        userAgent: req.headers['user-agent'],
        aborted: !res.writableFinished,
        pid,
      }
      write(`${format(record)}\n`)
    })
  }
}

/** Each format's line for a record (without the newline). */
export const FORMATTERS: Readonly<Record<LogFormat, (record: AccessRecord) => string>> = {
  dev: (record) =>
    `${record.pid === undefined ? '' : `[${record.pid}] `}${record.time.toISOString()} ${record.remote} ` +
    `${escapeField(record.method)} ${escapeField(record.target)} ${record.status} ${record.bytes} ` +
    `${record.durationMs.toFixed(1)}ms${record.aborted ? ' (aborted)' : ''}`,
  combined: (record) =>
    `${record.remote} - - [${formatCommonLogTime(record.time)}] ` +
    `"${escapeField(`${record.method} ${record.target} ${record.protocol}`)}" ${record.status} ` +
    `${record.bytes === 0 ? '-' : record.bytes} "${escapeField(record.referer ?? '-')}" "${escapeField(record.userAgent ?? '-')}"`,
  json: (record) =>
    toAsciiControls(
      JSON.stringify({
        time: record.time.toISOString(),
        remote: record.remote,
        method: record.method,
        target: record.target,
        protocol: record.protocol,
        status: record.status,
        bytes: record.bytes,
        durationMs: Math.round(record.durationMs * 1000) / 1000,
        referer: record.referer ?? null,
        userAgent: record.userAgent ?? null,
        ...(record.aborted ? { aborted: true } : {}),
        ...(record.pid === undefined ? {} : { pid: record.pid }),
      }),
    ),
}

// --- internal ---

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `30/Nov/2026:17:00:00 +0000`: the common log format's time, in UTC. */
function formatCommonLogTime(time: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0')
  return (
    `${pad(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:` +
    `${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} +0000`
  )
}

/**
 * As nginx writes request fields into its log: `"`, `\` and bytes outside printable ASCII become
 * `\xHH`, so a request cannot forge a line or a field. (Node hands the target over byte for byte.)
 */
function escapeField(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, (char) => {
    const code = char.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : [...Buffer.from(char)].map((byte) => `\\x${byte.toString(16).toUpperCase()}`).join('')
  })
}

/**
 * JSON as JSON.stringify writes it, with the C1 controls (U+0080–U+009F) and the Unicode line and
 * paragraph separators escaped too: JSON.stringify leaves them raw, and a terminal or a log viewer
 * acts on them (CSI, for one, starts an escape sequence).
 */
function toAsciiControls(json: string): string {
  return json.replace(
    /[\u0080-\u009f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** Counts the body bytes handed to `res` (its write and end), which is what reaches the client. */
function countBodyBytes(res: ServerResponse): () => number {
  let bytes = 0
  const count = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string')
      bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength
  }
  const write = res.write.bind(res) as (...args: unknown[]) => boolean
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.write = ((...args: unknown[]) => {
    count(args[0], args[1])
    return write(...args)
  }) as ServerResponse['write']
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') count(args[0], args[1])
    return end(...args)
  }) as ServerResponse['end']
  return () => bytes
}
