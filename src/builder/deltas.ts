/**
 * Dictionary deltas (`--deltas`, RFC 9842): each text file of the build compressed against every
 * earlier version of it that the output directory keeps, so a browser that holds that version
 * downloads only the difference. `dcz` (Zstandard with the old version as a raw-content dictionary)
 * and `dcb` (Brotli with it as a custom dictionary), each where this Node's zlib can write it.
 * @module
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import * as zlib from 'node:zlib'
import { hashContent } from '../hash.js'
import { DELTA_ENCODINGS, deltaExtension, deltaHeader, isDeltaType } from '../http/dictionary.js'
import {
  type Manifest,
  type ManifestBuild,
  type ManifestEntry,
  type ManifestVariant,
  writeFileAtomic,
} from '../manifest/format.js'
import type { DeltaEncoding } from '../types.js'
import { compress, MIN_COMPRESS_BYTES } from './compress.js'
import type { BuildReport } from './progress.js'

/** Which dictionary codings this Node can write. */
export type DeltaSupport = Readonly<Record<DeltaEncoding, boolean>>

/** What the deltas of a build were: written now, and reused from the previous build. */
export interface DeltaCounts {
  readonly dcz: number
  readonly dcb: number
  readonly reused: number
}

/** Where deltas are read and written. */
export interface DeltaContext {
  readonly outDir: string
  readonly previous: Manifest | undefined
  readonly report: BuildReport
  /** @default what {@link detectDeltaSupport} finds */
  readonly support?: DeltaSupport
}

/** Largest file, and largest dictionary, a delta is made of (both are held in memory; a dcz window stays within 8 MiB). */
export const MAX_DELTA_BYTES = 4 * 1024 * 1024
/** A delta is kept only when it is at most this fraction of the Brotli variant (or of Brotli at quality 11). */
const MAX_DELTA_RATIO = 0.9
/** The Node lines whose zlib compresses with a dictionary, for the warning of a build on an older one. */
export const DELTA_NODE_VERSIONS = 'Node 22.19+ or 24.6+ for dcz, a Node 24 with Brotli dictionaries for dcb'

/**
 * Adds to each entry its deltas against the kept versions of its path in `history`; returns the
 * entries (changed ones copied) and what was written. Warns once when this Node can write none.
 */
export function addDeltas(
  assets: Readonly<Record<string, ManifestEntry>>,
  history: readonly ManifestBuild[],
  context: DeltaContext,
): { assets: Record<string, ManifestEntry>; counts: DeltaCounts } {
  const support = context.support ?? detectDeltaSupport()
  const counts = { dcz: 0, dcb: 0, reused: 0 }
  const result: Record<string, ManifestEntry> = { ...assets }
  if (!support.dcz && !support.dcb) {
    context.report.warn(
      `--deltas: this Node (${process.version}) cannot compress with a dictionary; deltas need ${DELTA_NODE_VERSIONS}. The rest is built without them`,
      { kind: 'deltas-unsupported', paths: [] },
    )
    return { assets: result, counts }
  }
  const kept = keptVersions(history)
  for (const [logicalPath, entry] of Object.entries(assets)) {
    const dictionaries = kept.get(logicalPath)?.filter((old) => old.hash !== entry.hash) ?? []
    if (dictionaries.length === 0 || !isDeltaCandidate(entry)) continue
    const deltas = entryDeltas(logicalPath, entry, dictionaries, { ...context, support }, counts)
    if (deltas !== undefined) result[logicalPath] = { ...entry, deltas }
  }
  return { assets: result, counts }
}

/**
 * Which dictionary codings this Node's zlib really writes, found by trying: Node 20 and 22 accept a
 * Brotli `dictionary` option and ignore it, so the version number alone cannot say.
 */
export function detectDeltaSupport(): DeltaSupport {
  const dictionary = Buffer.from('vstatic compression dictionary self-test '.repeat(8))
  const input = Buffer.concat([dictionary, Buffer.from('and one new line')])
  const works = (encoding: DeltaEncoding): boolean => {
    try {
      const codec = CODECS[encoding]
      const delta = codec.compress(input, dictionary)
      const plain = codec.compress(input, undefined)
      return delta.length < plain.length && codec.decompress(delta, dictionary).equals(input)
    } catch {
      return false
    }
  }
  return { dcz: works('dcz'), dcb: works('dcb') }
}

/** Decodes a delta file (its RFC 9842 header included) with `dictionary`; for checks and tests. */
export function decodeDelta(encoding: DeltaEncoding, delta: Buffer, dictionary: Buffer): Buffer {
  const header = deltaHeader(encoding, hashContent(dictionary))
  if (!delta.subarray(0, header.length).equals(header)) {
    throw new Error(`not a ${encoding} delta against this dictionary (its header differs)`)
  }
  return CODECS[encoding].decompress(delta.subarray(header.length), dictionary)
}

// --- internal ---

/** An earlier version of a path, as the history keeps it. */
interface KeptVersion {
  readonly file: string
  readonly hash: string
  readonly size: number
}

/** The compressors and decompressors of the dictionary codings, through zlib's functions where this Node has them. */
interface DeltaCodec {
  compress(input: Buffer, dictionary: Buffer | undefined): Buffer
  decompress(delta: Buffer, dictionary: Buffer): Buffer
}

/** zlib's Zstandard functions (Node 22.15+), which the Node 20 type definitions do not declare. */
interface ZstdFunctions {
  zstdCompressSync(input: Buffer, options: object): Buffer
  zstdDecompressSync(input: Buffer, options: object): Buffer
}

const zstd = zlib as unknown as Partial<ZstdFunctions>
/** zlib's Brotli functions with the `dictionary` option (a Node 24 addition the Node 20 type definitions lack). */
const brotli = zlib as unknown as {
  brotliCompressSync(input: Buffer, options: object): Buffer
  brotliDecompressSync(input: Buffer, options: object): Buffer
}
/** Zstandard parameter numbers (zstd.h), the same on every Node that has Zstandard. */
const ZSTD_C_COMPRESSION_LEVEL = 100
const ZSTD_C_WINDOW_LOG = 101

const CODECS: Readonly<Record<DeltaEncoding, DeltaCodec>> = {
  dcz: {
    compress(input, dictionary) {
      if (zstd.zstdCompressSync === undefined) throw new Error('this Node has no Zstandard')
      // The window covers the dictionary and the file, so every match into the old version is found;
      // within 8 MiB, which RFC 9842 lets every client decode.
      const span = input.length + (dictionary?.length ?? 0)
      const windowLog = Math.min(23, Math.max(10, Math.ceil(Math.log2(span + 1))))
      const params = { [ZSTD_C_COMPRESSION_LEVEL]: 19, [ZSTD_C_WINDOW_LOG]: windowLog }
      return zstd.zstdCompressSync(input, dictionary === undefined ? { params } : { params, dictionary })
    },
    decompress(delta, dictionary) {
      if (zstd.zstdDecompressSync === undefined) throw new Error('this Node has no Zstandard')
      return zstd.zstdDecompressSync(delta, { dictionary })
    },
  },
  dcb: {
    compress(input, dictionary) {
      const params = {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length,
      }
      return brotli.brotliCompressSync(input, dictionary === undefined ? { params } : { params, dictionary })
    },
    decompress: (delta, dictionary) => brotli.brotliDecompressSync(delta, { dictionary }),
  },
}

/** Kept versions by logical path, newest first, one per distinct content. */
function keptVersions(history: readonly ManifestBuild[]): Map<string, KeptVersion[]> {
  const byPath = new Map<string, KeptVersion[]>()
  for (const build of history) {
    for (const [file, retained] of Object.entries(build.files)) {
      const versions = byPath.get(retained.logicalPath) ?? []
      if (versions.some((version) => version.hash === retained.hash)) continue
      versions.push({ file, hash: retained.hash, size: retained.size })
      byPath.set(retained.logicalPath, versions)
    }
  }
  return byPath
}

/** A text file under a fingerprinted name of the build, neither too small to gain nor too large to hold. */
function isDeltaCandidate(entry: ManifestEntry): boolean {
  return (
    entry.file !== undefined &&
    entry.fingerprinted !== true &&
    isDeltaType(entry.contentType) &&
    entry.size >= MIN_COMPRESS_BYTES &&
    entry.size <= MAX_DELTA_BYTES
  )
}

type Recorded = Partial<Record<DeltaEncoding, ManifestVariant>>

/** The deltas of one entry against each kept version, or undefined when none is worth keeping. */
function entryDeltas(
  logicalPath: string,
  entry: ManifestEntry,
  dictionaries: readonly KeptVersion[],
  context: DeltaContext & { readonly support: DeltaSupport },
  counts: { dcz: number; dcb: number; reused: number },
): Record<string, Recorded> | undefined {
  const file = entry.file as string
  const current = readChecked(context.outDir, file, entry)
  if (current === undefined) return undefined
  let limit: number | undefined
  const deltas: Record<string, Recorded> = {}
  for (const old of dictionaries) {
    const dictionary = old.size <= MAX_DELTA_BYTES ? readChecked(context.outDir, old.file, old) : undefined
    if (dictionary === undefined) continue
    const recorded: Recorded = {}
    for (const encoding of DELTA_ENCODINGS) {
      if (!context.support[encoding]) continue
      const target = `${file}.${old.hash.slice(0, 16)}${deltaExtension(encoding)}`
      const reused = reusedDelta(context, logicalPath, entry, old.hash, encoding, target)
      if (reused !== undefined) {
        recorded[encoding] = reused
        counts.reused++
        continue
      }
      limit ??= Math.floor((entry.encodings?.br?.size ?? compress(current, 'br').length) * MAX_DELTA_RATIO)
      const delta = Buffer.concat([
        deltaHeader(encoding, old.hash),
        CODECS[encoding].compress(current, dictionary),
      ])
      if (delta.length > limit) continue
      writeFileAtomic(path.join(context.outDir, target), delta)
      context.report.counts.written++
      counts[encoding]++
      recorded[encoding] = { file: target, size: delta.length, hash: hashContent(delta) }
    }
    if (Object.keys(recorded).length > 0) deltas[old.hash] = recorded
  }
  return Object.keys(deltas).length === 0 ? undefined : deltas
}

/** The bytes of `file` in the output directory when they are the ones `expected` records. */
function readChecked(
  outDir: string,
  file: string,
  expected: { readonly hash: string; readonly size: number },
): Buffer | undefined {
  const absolutePath = path.join(outDir, file)
  if (statSync(absolutePath, { throwIfNoEntry: false })?.size !== expected.size) return undefined
  const bytes = readFileSync(absolutePath)
  return hashContent(bytes) === expected.hash ? bytes : undefined
}

/** The previous build's delta for the same bytes and dictionary, when it is still on disk. */
function reusedDelta(
  context: DeltaContext,
  logicalPath: string,
  entry: ManifestEntry,
  dictionary: string,
  encoding: DeltaEncoding,
  target: string,
): ManifestVariant | undefined {
  const previous = context.previous?.assets[logicalPath]
  const delta = previous?.hash === entry.hash ? previous.deltas?.[dictionary]?.[encoding] : undefined
  if (delta === undefined || delta.file !== target) return undefined
  const size = statSync(path.join(context.outDir, target), { throwIfNoEntry: false })?.size
  return size === delta.size ? delta : undefined
}
