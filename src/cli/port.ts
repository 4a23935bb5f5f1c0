/**
 * Binding a port for `vstatic serve`: the listen call and its one-sentence failures, the URL of a
 * listening server, and, for `--workers`, whether workers can each bind the port (SO_REUSEPORT) and
 * the check that it is free. Only node:net: the primary of a cluster imports this, not the library.
 * @module
 */
import type net from 'node:net'
import { type AddressInfo, createServer } from 'node:net'

/**
 * Listens and resolves with the server's URL; a port that is taken is an error naming the address.
 * With `reusePort` (Node ≥ 22.12 on Linux) other sockets of this user may listen on the same port,
 * and a cluster worker listens itself instead of through the primary.
 */
export async function bind(
  server: net.Server,
  port: number,
  host: string,
  reusePort = false,
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host, ...(reusePort ? { reusePort } : {}) }, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(listenFailure(error, host, port), { cause: error })
  })
  return urlOf(server)
}

/** The URL of a listening server. */
export function urlOf(server: net.Server): string {
  const address = server.address() as AddressInfo
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${hostname}:${address.port}`
}

/**
 * Whether cluster workers can each listen on their own socket of one port (SO_REUSEPORT, spread by
 * the kernel): `reusePort` came in Node 22.12 and 23.1; of the systems that have it, this is used on
 * Linux only (elsewhere an unsupported option stops the server).
 */
export function supportsReusePort(version = process.versions.node, platform = process.platform): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return platform === 'linux' && (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12))
}

/**
 * Checks that `port` on `host` is free by listening on it alone for a moment (no other program, and
 * no other vstatic, may already share it) and resolves with the port, the one the system chose for 0.
 */
export async function claimPort(port: number, host: string): Promise<number> {
  const probe = createServer()
  await bind(probe, port, host)
  const chosen = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return chosen
}

/** Why the server cannot listen, in one sentence that names the address and what to do. */
function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use by another program; stop it or choose another with --port`
    case 'EACCES':
      return `port ${port} on ${host} needs privileges this process does not have; choose a port above 1023 with --port`
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; choose another with --host`
    default:
      return `cannot listen on ${host}:${port}: ${error.code ?? error.message}`
  }
}
