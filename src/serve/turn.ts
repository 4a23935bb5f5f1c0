/**
 * A response's turn on its connection. node:http parses every request a client pipelines on one
 * connection at once, and queues each response behind the one before it until that one ends: a
 * queued response has no socket. A body opened for a queued response holds a descriptor and a
 * read-ahead buffer until its turn, and if the connection dies first Node never tells that response,
 * so the descriptor waits for garbage collection. So a request opens nothing until its response owns
 * the socket, a connection that dies releases the requests waiting on it at once, and a connection
 * with more than MAX_WAITING requests waiting is closed: at any time a connection holds at most one
 * open file.
 * @module
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'

/**
 * Requests that may wait for their turn on one connection. Browsers do not pipeline; clients that
 * do keep a few requests in flight (apt: 10). Past this, the client is not reading what it asked for.
 */
export const MAX_WAITING = 32

/** What awaitTurn reads of a request: node:http's IncomingMessage (or HTTP/2's compatibility request). */
export interface TurnRequest {
  readonly socket: unknown
}

/** What awaitTurn reads of a response: node:http's ServerResponse (or HTTP/2's compatibility response). */
export interface TurnResponse {
  readonly socket: unknown
  once(event: 'socket', listener: () => void): unknown
}

/** The requests waiting on each connection, and the one listener that releases them if it closes. */
interface Waiting {
  readonly turns: Set<(owned: boolean) => void>
  readonly onClose: () => void
}

const waitingOn = new WeakMap<Socket, Waiting>()

/**
 * True at once when `res` may be written now (it owns its socket, or it is not a queued HTTP/1
 * response); otherwise a promise of true once it does, or of false if the connection closed first
 * (nothing will be sent: open nothing).
 */
export function awaitTurn(req: TurnRequest, res: TurnResponse): true | Promise<boolean> {
  // Only an HTTP/1 response queued behind another has a null socket (an HTTP/2 one always has one).
  if (res.socket !== null) return true
  const socket = req.socket
  if (!(socket instanceof Socket) || socket.destroyed) return Promise.resolve(false)
  const waiting = waitingOn.get(socket) ?? startWaiting(socket)
  if (waiting.turns.size >= MAX_WAITING) {
    socket.destroy()
    return Promise.resolve(false)
  }
  return new Promise<boolean>((resolve) => {
    const turn = (owned: boolean) => {
      waiting.turns.delete(turn)
      if (waiting.turns.size === 0 && waitingOn.get(socket) === waiting) {
        waitingOn.delete(socket)
        socket.off('close', waiting.onClose)
      }
      resolve(owned)
    }
    waiting.turns.add(turn)
    res.once('socket', () => turn(true))
  })
}

/**
 * awaitTurn for a fetch handler under @hono/node-server, whose bindings (Hono's `c.env`, a fetch
 * handler's second argument) carry the Node request and response; true at once for any other runtime.
 */
export function awaitBindingsTurn(bindings: unknown): true | Promise<boolean> {
  const node = bindings as { incoming?: unknown; outgoing?: unknown } | null | undefined
  if (!(node?.incoming instanceof IncomingMessage && node.outgoing instanceof ServerResponse)) return true
  return awaitTurn(node.incoming, node.outgoing)
}

// --- internal ---

function startWaiting(socket: Socket): Waiting {
  const turns = new Set<(owned: boolean) => void>()
  const onClose = () => {
    for (const turn of [...turns]) turn(false)
  }
  const waiting: Waiting = { turns, onClose }
  waitingOn.set(socket, waiting)
  socket.once('close', onClose)
  return waiting
}
