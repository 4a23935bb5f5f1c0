/**
 * The client's address for the access log: the peer's, or, when the peer is a trusted proxy (nginx in
 * front), the one the proxy names in X-Real-IP or X-Forwarded-For. Those headers are written by
 * whoever sends the request, so they are believed only from the proxies `--trust-proxy` lists
 * (Tornado's `xheaders`); never by default.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'

/** Answers the client's address of a request. */
export type ClientAddress = (req: IncomingMessage) => string

/**
 * Checks the entries of `--trust-proxy` (`loopback`, an address, or a subnet such as `10.0.0.0/8`)
 * and returns the first one that is none of these, or undefined when all are valid.
 */
export function findInvalidProxy(entries: readonly string[]): string | undefined {
  return entries.find((entry) => entry !== 'loopback' && parseEntry(entry) === undefined)
}

/** The client's address, believing forwarding headers only from the proxies listed in `trusted`. */
export function createClientAddress(trusted: readonly string[]): ClientAddress {
  if (trusted.length === 0) return (req) => peerAddress(req)
  const proxies = new BlockList()
  for (const entry of trusted) {
    if (entry === 'loopback') {
      proxies.addSubnet('127.0.0.0', 8, 'ipv4')
      proxies.addAddress('::1', 'ipv6')
      continue
    }
    const parsed = parseEntry(entry)
    if (parsed === undefined) throw new Error(`not an address or subnet: ${JSON.stringify(entry)}`)
    if (parsed.prefix === undefined) proxies.addAddress(parsed.address, parsed.family)
    else proxies.addSubnet(parsed.address, parsed.prefix, parsed.family)
  }
  const isProxy = (address: string) => {
    const family = isIP(address)
    return family !== 0 && proxies.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }
  return (req) => {
    const peer = peerAddress(req)
    if (!isProxy(peer)) return peer
    // nginx's `proxy_set_header X-Real-IP $remote_addr` names the client outright.
    const realIp = unmapped(headerValue(req, 'x-real-ip').trim())
    if (isIP(realIp) !== 0) return realIp
    // Each proxy appends the address it saw: read from the right, past the proxies we trust.
    const hops = headerValue(req, 'x-forwarded-for')
      .split(',')
      .map((hop) => unmapped(hop.trim()))
      .filter((hop) => isIP(hop) !== 0)
    for (let position = hops.length - 1; position >= 0; position--) {
      const hop = hops[position] as string
      if (!isProxy(hop) || position === 0) return hop
    }
    return peer
  }
}

// --- internal ---

function peerAddress(req: IncomingMessage): string {
  return unmapped(req.socket.remoteAddress ?? '-')
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) → `127.0.0.1`. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

function headerValue(req: IncomingMessage, name: string): string {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : (value ?? '')
}

function parseEntry(
  entry: string,
): { address: string; family: 'ipv4' | 'ipv6'; prefix: number | undefined } | undefined {
  const [address = '', prefixText, extra] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || extra !== undefined) return undefined
  const family = version === 4 ? 'ipv4' : 'ipv6'
  if (prefixText === undefined) return { address, family, prefix: undefined }
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN
  return prefix <= (version === 4 ? 32 : 128) ? { address, family, prefix } : undefined
}
