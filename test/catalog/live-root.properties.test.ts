import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  appendFileSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildManifest } from '../../src/builder/build.js'
import { createStatic, type StaticAssets } from '../../src/index.js'
import { OUTSIDE_FILE, OUTSIDE_TEXT, useTempRoot } from '../helpers/fixtures.js'
import { listen, type RawResponse, request as rawRequest } from '../helpers/http.js'
import { IMMUTABLE, nextSecond } from '../helpers/trust-contract.js'

/**
 * Random writers into a live root, in every index kind: after every step, every response must keep
 * the two promises — an `immutable` answer carries exactly the bytes its token names, validators and
 * length describe the bytes sent, and no byte comes from outside the root or from a dotfile.
 */

const NAMES = ['a.txt', 'b.css', 'big.bin', 'sub/c.txt'] as const

/**
 * In CI a failing case is reported at once, with its seed and path to replay it, rather than shrunk
 * past the test's timeout; locally fast-check shrinks it to the smallest case.
 */
const REPORT_AT_ONCE = { endOnFailure: process.env.CI !== undefined }

/** A request that fails, naming its URL, when no answer comes: a hang is a failed case, not a timeout. */
function request(base: string, target: string): Promise<RawResponse> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to GET ${target} within 20 s`)), 20_000)
  })
  return Promise.race([rawRequest(base, target), hung]).finally(() => clearTimeout(timer))
}
const SECRET = 'DOTFILE SECRET'
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

type Step =
  | { readonly kind: 'edit'; readonly name: string; readonly text: string }
  | { readonly kind: 'delete'; readonly name: string }
  | {
      readonly kind: 'link-out' | 'link-dotfile' | 'link-device' | 'fifo' | 'directory'
      readonly name: string
    }
  | { readonly kind: 'link-sibling'; readonly name: string; readonly target: string }
  | { readonly kind: 'swap-sub-out' | 'restore-sub' | 'tick' }

const name = fc.constantFrom(...NAMES)
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('edit' as const), name, text: fc.string({ maxLength: 40 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), name }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'link-out' as const,
        'link-dotfile' as const,
        'link-device' as const,
        'fifo' as const,
        'directory' as const,
      ),
      name,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('link-sibling' as const), name, target: name }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constantFrom('swap-sub-out' as const, 'restore-sub' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
)

function initialTree(): Record<string, string | Buffer> {
  return {
    'a.txt': 'alpha',
    'b.css': 'a{background:url(a.txt)}',
    'big.bin': Buffer.alloc(3 * 1024 * 1024, 'B'),
    'sub/c.txt': 'charlie',
    '.env': SECRET,
  }
}

function apply(root: string, current: Step): Promise<void> | undefined {
  const at = (file: string) => path.join(root, file)
  const clear = (file: string) => rmSync(at(file), { recursive: true, force: true })
  // While sub/ is a link out of the root, a write under it would land outside: leave it alone.
  const subIsLink = lstatSync(at('sub'), { throwIfNoEntry: false })?.isSymbolicLink() === true
  if (
    subIsLink &&
    'name' in current &&
    (current.name.startsWith('sub/') ||
      (current.kind === 'link-sibling' && current.target.startsWith('sub/')))
  ) {
    return
  }
  switch (current.kind) {
    case 'edit':
      clear(current.name)
      mkdirSync(path.dirname(at(current.name)), { recursive: true })
      writeFileSync(at(current.name), current.text)
      return
    case 'delete':
      return void clear(current.name)
    case 'link-out':
      clear(current.name)
      return void safeLink(OUTSIDE_FILE, at(current.name))
    case 'link-dotfile':
      clear(current.name)
      return void safeLink(at('.env'), at(current.name))
    case 'link-device':
      clear(current.name)
      return void safeLink('/dev/zero', at(current.name))
    case 'fifo':
      clear(current.name)
      mkdirSync(path.dirname(at(current.name)), { recursive: true })
      return void execFileSync('mkfifo', [at(current.name)])
    case 'directory':
      clear(current.name)
      return void mkdirSync(at(current.name), { recursive: true })
    case 'link-sibling':
      if (current.name === current.target) return
      clear(current.name)
      return void safeLink(at(current.target), at(current.name))
    case 'swap-sub-out':
      clear('sub')
      return void symlinkSync(path.dirname(OUTSIDE_FILE), at('sub'))
    case 'restore-sub':
      clear('sub')
      mkdirSync(at('sub'))
      return void writeFileSync(at('sub/c.txt'), 'charlie again')
    case 'tick':
      return nextSecond()
  }
}

function safeLink(target: string, link: string): void {
  mkdirSync(path.dirname(link), { recursive: true })
  symlinkSync(target, link)
}

function checkPromises(response: RawResponse, token: string | undefined): void {
  const text = response.body.toString('latin1')
  expect(text).not.toContain(OUTSIDE_TEXT)
  expect(text).not.toContain(SECRET)
  expect([200, 304, 404, 503]).toContain(response.status)
  if (response.status !== 200) return
  expect(response.headers['content-length']).toBe(String(response.body.length))
  const hash = sha256(response.body)
  expect(response.headers.etag).toBe(`"${hash.slice(0, 32)}"`)
  if (response.headers['cache-control'] === IMMUTABLE) expect(hash.slice(0, 16)).toBe(token)
}

async function requestAll(assets: StaticAssets, url: string, oldUrls: Map<string, string>): Promise<void> {
  for (const logicalPath of NAMES) {
    const targets = [`/static/${logicalPath}`]
    try {
      targets.push(assets.url(logicalPath))
    } catch {
      // not in the index now
    }
    const old = oldUrls.get(logicalPath)
    if (old !== undefined) targets.push(old)
    for (const target of targets) {
      const response = await request(url, target)
      checkPromises(response, new URL(target, url).searchParams.get('v') ?? undefined)
    }
  }
}

type Mode = 'scanned' | 'manifest' | 'dev'

async function start(mode: Mode, root: string): Promise<{ assets: StaticAssets; url: string }> {
  let manifest: string | undefined
  if (mode === 'manifest') {
    manifest = path.join(useTempRoot(), 'manifest.json')
    await buildManifest({ root, out: manifest, onWarning: () => {} })
  }
  const assets = await createStatic({ root, manifest, dev: mode === 'dev', onWarning: () => {} })
  const { url } = await listen((req, res) => assets.handle(req, res))
  return { assets, url }
}

describe.each<Mode>(['scanned', 'manifest', 'dev'])('a writer into the live root (%s)', (mode) => {
  it('never breaks either promise, whatever it does', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 7 }), async (steps) => {
        fc.pre(steps.filter((candidate) => candidate.kind === 'tick').length <= 2)
        const root = useTempRoot(initialTree())
        const { assets, url } = await start(mode, root)
        const oldUrls = new Map(NAMES.map((logicalPath) => [logicalPath, assets.url(logicalPath)]))
        await requestAll(assets, url, oldUrls)
        for (const current of steps) {
          await apply(root, current)
          await requestAll(assets, url, oldUrls)
        }
      }),
      { numRuns: 12, ...REPORT_AT_ONCE },
    )
  })
})

// --- writers during re-reads ---

/** A writer that changes a file while the index reads it again. */
interface RereadWriter {
  readonly kind: 'append' | 'truncate-then-write'
  readonly name: 'big.bin' | 'b.css'
  /** How many writes it makes, one per turn of the event loop. */
  readonly writes: number
}

const rereadWriter: fc.Arbitrary<RereadWriter> = fc.record({
  kind: fc.constantFrom('append' as const, 'truncate-then-write' as const),
  name: fc.constantFrom('big.bin' as const, 'b.css' as const),
  writes: fc.integer({ min: 1, max: 40 }),
})

/** Runs `writer` on `file`, yielding to the event loop between writes so that re-reads overlap them. */
async function runWriter(file: string, writer: RereadWriter): Promise<void> {
  for (let write = 0; write < writer.writes; write++) {
    if (writer.kind === 'append') {
      appendFileSync(file, writer.name === 'b.css' ? `/*${write}*/` : Buffer.alloc(4096, write % 256))
    } else {
      // What `cp` does to an existing file: it is emptied, then written from the start.
      truncateSync(file, 0)
      await new Promise((resolve) => setImmediate(resolve))
      writeFileSync(
        file,
        writer.name === 'b.css'
          ? `a{background:url(a.txt)}/*${write}*/`
          : Buffer.alloc(3 * 1024 * 1024 + write, write % 256),
      )
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('a writer during re-reads (scanned)', () => {
  it('never drops the file: once the writer stops it is served, with its final bytes and their token', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(rereadWriter, async (writer) => {
        const root = useTempRoot(initialTree())
        const file = path.join(root, writer.name)
        const { assets, url } = await start('scanned', root)
        appendFileSync(file, writer.name === 'b.css' ? '/* changed */' : 'changed')
        // The request finds the file changed and reads it again while the writer runs.
        const during = await Promise.all([
          request(url, `/static/${writer.name}`),
          runWriter(file, writer),
          request(url, `/static/${writer.name}`),
        ])
        for (const response of [during[0], during[2]]) expect([200, 503]).toContain(response.status)
        // What is served once the writer stopped: the file's last bytes, the stylesheet's reference rewritten.
        const onDisk = readFileSync(file)
        const final =
          writer.name === 'b.css'
            ? Buffer.from(
                onDisk
                  .toString()
                  .replace('url(a.txt)', `url(${assets.url('a.txt').slice('/static/'.length)})`),
              )
            : onDisk
        let served: RawResponse | undefined
        for (let waited = 0; waited < 5000; waited += 20) {
          served = await request(url, `/static/${writer.name}`)
          // A 404 now would be the file dropped from the index, though it is on disk.
          expect(served.status).not.toBe(404)
          if (served.status === 200 && served.body.equals(final)) break
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        if (served === undefined) throw new Error('no request made')
        expect(served.status).toBe(200)
        expect(served.body.equals(final)).toBe(true)
        checkPromises(served, undefined)
        // url() names the final bytes once their re-read has landed.
        let versioned = assets.url(writer.name)
        for (let waited = 0; waited < 5000 && !versioned.includes('?v='); waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          versioned = assets.url(writer.name)
        }
        const response = await request(url, versioned)
        expect(response.headers['cache-control']).toBe(IMMUTABLE)
        checkPromises(response, new URL(versioned, url).searchParams.get('v') ?? undefined)
      }),
      { numRuns: 10, ...REPORT_AT_ONCE },
    )
  })
})

// --- writers during responses ---

/** Streamed in every mode (over memoryMaxFileSize), and far more than loopback buffers hold. */
const STREAMED_BYTES = 6 * 1024 * 1024

type Writer = 'in-place' | 'truncate-write' | 'append'

interface DuringStep {
  readonly writer: Writer
  /** Body bytes received (KiB) before the writer runs. */
  readonly afterKiB: number
  readonly target: 'versioned' | 'plain' | 'range'
  readonly tick: boolean
}

const duringStep: fc.Arbitrary<DuringStep> = fc.record({
  writer: fc.constantFrom<Writer>('in-place', 'truncate-write', 'append'),
  afterKiB: fc.integer({ min: 0, max: 512 }),
  target: fc.constantFrom('versioned' as const, 'plain' as const, 'range' as const),
  tick: fc.boolean(),
})

/** Every content the file has held, by the ETag of its bytes, so any response can be checked. */
class Versions {
  readonly #byEtag = new Map<string, Buffer>()
  #fill = 0

  /** New content of `size` bytes, unlike every earlier one, recorded. */
  next(size: number): Buffer {
    this.#fill = (this.#fill + 1) % 256
    return this.record(Buffer.alloc(size, this.#fill))
  }

  record(bytes: Buffer): Buffer {
    this.#byEtag.set(`"${sha256(bytes).slice(0, 32)}"`, bytes)
    return bytes
  }

  get(etag: string | undefined): Buffer | undefined {
    return etag === undefined ? undefined : this.#byEtag.get(etag)
  }
}

/** Applies `writer` to `file`, whose content is `current`; returns the new content. */
function write(file: string, writer: Writer, current: Buffer, versions: Versions): Buffer {
  if (writer === 'append') {
    const tail = versions.next(1024)
    appendFileSync(file, tail)
    return versions.record(Buffer.concat([current, tail]))
  }
  const next = versions.next(current.length)
  if (writer === 'truncate-write') truncateSync(file, 0)
  writeFileSync(file, next, { flag: 'r+' })
  return next
}

/** How a streamed download ended: `complete` when every announced byte arrived and it ended normally. */
interface Streamed {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly complete: boolean
  readonly body: Buffer
}

/** GETs `target`; once `afterBytes` of the body arrived (or at its end), calls `during` once. */
function streamAcross(
  url: string,
  target: string,
  headers: Record<string, string>,
  afterBytes: number,
  during: () => void,
): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    let responded = false
    const req = http.get(new URL(target, url), { agent: false, headers }, (res) => {
      responded = true
      const chunks: Buffer[] = []
      let received = 0
      let done = false
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        received += chunk.length
        if (!done && received >= afterBytes) {
          done = true
          during()
        }
      })
      const end = () => {
        if (!done) during()
        done = true
        const body = Buffer.concat(chunks)
        const complete = res.complete && body.length === Number(res.headers['content-length'])
        resolve({ status: res.statusCode ?? 0, headers: res.headers, complete, body })
      }
      res.once('end', end)
      res.once('aborted', end)
      res.once('error', end)
    })
    req.on('error', (error) => (responded ? undefined : reject(error)))
  })
}

/** The promise: a complete response carries exactly bytes of the content its ETag names. */
function checkComplete(response: Streamed, versions: Versions, token: string | undefined): void {
  expect([200, 206, 503]).toContain(response.status)
  if (!response.complete || response.status === 503) return
  const etag = response.headers.etag as string | undefined
  if (response.status === 200) {
    const hash = sha256(response.body)
    expect(etag).toBe(`"${hash.slice(0, 32)}"`)
    if (response.headers['cache-control'] === IMMUTABLE) expect(hash.slice(0, 16)).toBe(token)
    return
  }
  // A range is checked against the content its ETag names: one the writers put on disk.
  const content = versions.get(etag)
  expect(content, `a complete 206 under ${etag}, a content never on disk`).toBeDefined()
  if (content === undefined) return
  const [, start, end] = /^bytes (\d+)-(\d+)\//.exec(String(response.headers['content-range'])) ?? []
  expect(response.body.equals(content.subarray(Number(start), Number(end) + 1))).toBe(true)
}

describe.each<Mode>(['scanned', 'manifest', 'dev'])('writers during streamed responses (%s)', (mode) => {
  it('never let a complete response differ from its ETag', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(duringStep, { minLength: 1, maxLength: 4 }), async (steps) => {
        const versions = new Versions()
        let content = versions.next(STREAMED_BYTES)
        const root = useTempRoot({ 'big.bin': content })
        const file = path.join(root, 'big.bin')
        const { assets, url } = await start(mode, root)
        for (const current of steps) {
          if (current.tick) await nextSecond()
          const versioned = current.target === 'versioned' ? assets.url('big.bin') : '/static/big.bin'
          const headers: Record<string, string> =
            current.target === 'range' ? { range: `bytes=100-${content.length - 100}` } : {}
          const response = await streamAcross(url, versioned, headers, current.afterKiB * 1024, () => {
            content = write(file, current.writer, content, versions)
          })
          checkComplete(response, versions, new URL(versioned, url).searchParams.get('v') ?? undefined)
        }
      }),
      { numRuns: 6, ...REPORT_AT_ONCE },
    )
  })
})
