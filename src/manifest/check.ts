/**
 * checkManifest(): what a loaded manifest may name. Every entry, `file`, variant and history file
 * must be a path the scan would index, its real path must stay inside the root and pass the dotfile
 * rule and the build's ignore patterns, tokens must follow from hashes and content types must be valid
 * header values; a manifest that does not match its root fails with the likely fix. At startup the
 * disk can be left to first use: {@link createEntryCheck} then looks at one entry's paths when the
 * entry is first looked up.
 * @module
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import { StaticConfigError } from '../errors.js'
import { TOKEN_LENGTH, toToken } from '../hash.js'
import { isEncoding } from '../http/encoding.js'
import { toLogicalPath } from '../logical-path.js'
import { isAllowedRealPath, isIgnoredRealPath } from '../root/open-file.js'
import { isAllowedPath, isInside, type ScanPolicy } from '../root/scan.js'
import { type Dotfiles, INTEGRITY_ALGORITHMS } from '../types.js'
import { type Disk, openDisk, openPathDisk } from './disk.js'
import {
  entryShapeFault,
  type Manifest,
  type ManifestEntry,
  type ManifestVariant,
  readManifest,
} from './format.js'

/** The root a manifest is loaded against, and the scan rules its paths must pass. */
export interface ManifestTarget {
  /**
   * The directory the manifest's files are served from, or the roots of a source build of several,
   * in the order it read them. Where a root does not exist here, only the disk-free checks run.
   */
  readonly root: string | readonly string[]
  /** @default 'ignore' */
  readonly dotfiles?: Dotfiles | undefined
  /** @default false */
  readonly followSymlinksOutsideRoot?: boolean | undefined
}

/** Options of {@link checkManifest}. */
export interface ManifestCheckOptions {
  /**
   * Also require `root` to hold the files the manifest lists (not mostly missing, not the source of
   * an out-dir build). Off for `vstatic verify`, which compares a source root and reports differences itself.
   * @default true
   */
  readonly matchRoot?: boolean
  /**
   * When the disk is looked at. `'now'`: every entry, `file`, variant and history file is looked up
   * under its root before this returns. `'on-first-use'`: only the spelling and the fields are
   * checked now, a root that lacks most of the files (or is the source of an out-dir build) is told
   * from a sample of the entries, and each entry's real paths are left to {@link createEntryCheck},
   * run when the entry is first looked up (every open checks them again on the handle).
   * @default 'now'
   */
  readonly disk?: 'now' | 'on-first-use'
}

/** The disk side of {@link checkManifest}, one entry at a time: the fault to report, or undefined. */
export interface EntryCheck {
  /** An asset entry: its file, the plain copy beside a `file`, its variants and deltas. */
  entry(logicalPath: string): string | undefined
  /** A file of the history (an earlier build kept in the output directory), with its variants. */
  history(file: string): string | undefined
}

/** Reads a manifest and checks it against the root it will be served from. */
export function loadManifest(file: string, target: ManifestTarget, options?: ManifestCheckOptions): Manifest {
  // checkManifest() checks each entry's shape in its own pass over the entries.
  const manifest = readManifest(file, { entries: false })
  checkManifest(manifest, file, target, options)
  return manifest
}

/**
 * Checks every path, token and header value a manifest holds against `target`. Throws a
 * {@link StaticConfigError} naming the manifest file, the entry and the fault.
 */
export function checkManifest(
  manifest: Manifest,
  source: string,
  target: ManifestTarget,
  options: ManifestCheckOptions = {},
): void {
  const fail: Fail = (where, fault) => {
    throw new StaticConfigError('manifest', `${JSON.stringify(source)} ${where}: ${fault}`)
  }
  const { roots, policy, ignore } = targetRules(manifest, target, fail)
  const now = options.disk !== 'on-first-use'
  // One view of the disk per root; each entry is looked up under the root it names.
  const disks = roots.map((root) => (now ? openDisk(root, { ...policy, ignore }) : undefined))
  // One rule set per root, shared by its entries.
  const rules: readonly PathRules[] = disks.map((disk) => ({ ...policy, disk }))
  const rulesOf = (root: number | undefined): PathRules => rules[root ?? 0] as PathRules
  const found = checkEntries(manifest, rulesOf, fail)
  checkHistory(manifest, rulesOf(0), fail)
  if (options.matchRoot === false) return
  if (!now) {
    // A sample that looks like another root is settled by the whole check, which names the files.
    if (isSampleMismatch(manifest, roots)) checkManifest(manifest, source, target, { disk: 'now' })
    return
  }
  if (disks.every((disk) => disk === undefined)) return
  checkRootMatch(manifest, source, roots, found)
}

/**
 * The disk side of {@link checkManifest} for a manifest checked with `disk: 'on-first-use'`: each
 * call looks up one entry's paths (a `realpath` and a `stat` each) under the rules of its root.
 */
export function createEntryCheck(manifest: Manifest, source: string, target: ManifestTarget): EntryCheck {
  const fail: Fail = (where, fault) => {
    throw new StaticConfigError('manifest', `${JSON.stringify(source)} ${where}: ${fault}`)
  }
  const { roots, policy, ignore } = targetRules(manifest, target, fail)
  const rules: readonly PathRules[] = roots.map((root) => ({
    ...policy,
    disk: openPathDisk(root, { ...policy, ignore }),
  }))
  const rulesOf = (root: number | undefined): PathRules => rules[root ?? 0] as PathRules
  // Every build's record of a file: two builds may keep one file under other tokens or variants.
  const retained = new Map<string, { readonly records: FileRecord[]; readonly buildId: string }>()
  for (const build of manifest.history) {
    for (const [file, record] of Object.entries(build.files)) {
      const known = retained.get(file)
      if (known === undefined) retained.set(file, { records: [record], buildId: build.buildId })
      else known.records.push(record)
    }
  }
  const where = (subject: string, fault: string | undefined) =>
    fault === undefined ? undefined : `${JSON.stringify(source)} ${subject}: ${fault}`
  return {
    entry(logicalPath) {
      const entry = Object.hasOwn(manifest.assets, logicalPath) ? manifest.assets[logicalPath] : undefined
      if (entry === undefined) return undefined
      const fault = inspectEntry(logicalPath, entry, rulesOf(entry.root)).fault
      return where(`entry ${JSON.stringify(logicalPath)}`, fault)
    },
    history(file) {
      const found = retained.get(file)
      if (found === undefined) return undefined
      const fault =
        inspectFault('', file, rulesOf(0)) ??
        found.records.map((record) => inspectVariants(record, rulesOf(0))).find((each) => each !== undefined)
      return where(`history file ${JSON.stringify(file)} (build ${JSON.stringify(found.buildId)})`, fault)
    },
  }
}

/** The roots of `target`, checked against the number the manifest was built from, and the scan's rules. */
function targetRules(manifest: Manifest, target: ManifestTarget, fail: Fail) {
  if (manifest.options.tokenLength !== TOKEN_LENGTH) {
    fail(
      '"options"',
      `has tokenLength ${manifest.options.tokenLength}; this vstatic writes ${TOKEN_LENGTH}. Rebuild it with "vstatic build"`,
    )
  }
  const policy: ScanPolicy = {
    dotfiles: target.dotfiles === 'allow' ? 'allow' : 'ignore',
    followSymlinksOutsideRoot: target.followSymlinksOutsideRoot === true,
  }
  // A link is judged on where it leads by the patterns the build left files out with, as the scan judges it.
  const ignore = manifest.options.ignore ?? []
  const roots: readonly string[] = typeof target.root === 'string' ? [target.root] : target.root
  const built = manifest.options.roots ?? 1
  if (built !== roots.length) {
    fail(
      '"options"',
      `was built from ${built} root(s), but ${roots.length} are given (${roots.map((root) => JSON.stringify(root)).join(', ')}); pass the roots it was built from, in the same order`,
    )
  }
  return { roots, policy, ignore }
}

/** True when `value` can be sent as a Content-Type: `type/subtype` and parameters, no control characters. */
export function isValidContentType(value: unknown): value is string {
  if (typeof value !== 'string') return false
  // A manifest repeats a few dozen types over thousands of entries: each is matched once.
  if (VALID_CONTENT_TYPES.has(value)) return true
  const valid = value.length <= 256 && MEDIA_TYPE.test(value)
  if (valid && VALID_CONTENT_TYPES.size < 1024) VALID_CONTENT_TYPES.add(value)
  return valid
}

// --- internal ---

// RFC 9110 §8.3.1: media-type = type "/" subtype parameters; tokens and quoted strings of visible ASCII.
const TCHARS = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const QUOTED = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"'
const MEDIA_TYPE = new RegExp(
  `^${TCHARS}/${TCHARS}(?:[ \\t]*;[ \\t]*(?:${TCHARS}=(?:${TCHARS}|${QUOTED}))?)*$`,
)
const VALID_CONTENT_TYPES = new Set<string>()
// The value is escaped wherever it is written; its shape is checked only to catch a hand edit.
const INTEGRITY = new RegExp(`^(?:${INTEGRITY_ALGORITHMS.join('|')})-[A-Za-z0-9+/]`)
const HASH = /^[0-9a-f]{64}$/
const TOKEN = new RegExp(`^[0-9a-f]{${TOKEN_LENGTH}}$`)
/** How many entries, spread over the manifest, tell at startup whether it matches its root. */
const ROOT_SAMPLE_SIZE = 64

interface PathRules extends ScanPolicy {
  /** The root on disk; undefined when it is not on this machine. */
  readonly disk: Disk | undefined
}

/** Reports a fault of the manifest at `where` (an entry, a history file): throws. */
type Fail = (where: string, fault: string) => never

/** How the files of the entries were found under the root, for {@link checkRootMatch}. */
interface FoundFiles {
  readonly entries: number
  /** Entries whose served file (its `file`, when it has one) is missing. */
  readonly missing: readonly string[]
  /** Entries with a `file`. */
  readonly withFile: number
  /** `file`s that are missing while their plain name exists: the layout of the source root. */
  readonly sourceLooking: readonly string[]
}

/**
 * Checks each entry's fields and what its paths lead to on disk, under the root it names; returns
 * what was missing there.
 */
function checkEntries(
  manifest: Manifest,
  rulesOf: (root: number | undefined) => PathRules,
  fail: Fail,
): FoundFiles {
  const assets = manifest.assets
  // The members of reference cycles, listed when the first entry marked "cycle" is checked.
  let cycleMembers: Set<string> | undefined
  const cyclesOf = () => {
    cycleMembers ??= new Set(Object.keys(assets).filter((key) => assets[key]?.cycle === true))
    return cycleMembers
  }
  const missing: string[] = []
  const sourceLooking: string[] = []
  let entries = 0
  let withFile = 0
  const roots = manifest.options.roots ?? 1
  // One pass without an array per entry: startup from a large manifest is mostly this loop.
  for (const logicalPath in assets) {
    const entry = assets[logicalPath] as ManifestEntry
    entries++
    const shapeFault = entryShapeFault(logicalPath, entry, roots)
    if (shapeFault !== undefined) fail(`entry ${JSON.stringify(logicalPath)}`, shapeFault)
    const rules = rulesOf(entry.root)
    const fault =
      checkPath('', logicalPath, rules) ??
      checkRecord(entry, rules, true) ??
      checkEntry(entry, rules, cyclesOf)
    if (fault !== undefined) fail(`entry ${JSON.stringify(logicalPath)}`, fault)
    if (rules.disk === undefined) continue
    const { opened, plain, fault: diskFault } = inspectEntry(logicalPath, entry, rules)
    if (diskFault !== undefined) fail(`entry ${JSON.stringify(logicalPath)}`, diskFault)
    if (entry.file !== undefined) withFile++
    if (opened === 'missing') {
      missing.push(logicalPath)
      if (entry.file !== undefined && plain === 'file') sourceLooking.push(entry.file)
    }
  }
  return { entries, missing, withFile, sourceLooking }
}

/**
 * What an entry's paths lead to on disk: the file the runtime opens, the plain copy beside an
 * out-dir build's `file` (nginx serves it), and the first fault among them and its variants and deltas.
 */
function inspectEntry(
  logicalPath: string,
  entry: ManifestEntry,
  rules: PathRules,
): { readonly opened: string; readonly plain: string; readonly fault: string | undefined } {
  const opened =
    entry.file === undefined ? inspect('', logicalPath, rules) : inspect('"file"', entry.file, rules)
  const plain = entry.file === undefined ? opened : inspect('', logicalPath, rules)
  const fault =
    inspectVariants(entry, rules) ??
    inspectDeltas(entry, rules) ??
    [opened, plain].find((found) => found !== 'missing' && found !== 'file')
  return { opened, plain, fault }
}

/** The first fault on disk among a record's precompressed variants, or undefined. */
function inspectVariants(record: FileRecord, rules: PathRules): string | undefined {
  if (rules.disk === undefined) return undefined
  for (const [encoding, variant] of Object.entries(
    (record.encodings ?? {}) as Record<string, ManifestVariant>,
  )) {
    const fault = inspectFault('"file"', variant.file, rules)
    if (fault !== undefined) return `${encoding} variant: ${fault}`
  }
  return undefined
}

/** The first fault on disk among an entry's deltas, or undefined. */
function inspectDeltas(entry: ManifestEntry, rules: PathRules): string | undefined {
  if (rules.disk === undefined) return undefined
  for (const [dictionary, byCoding] of Object.entries(entry.deltas ?? {})) {
    for (const [encoding, variant] of Object.entries(byCoding)) {
      const fault = inspectFault('"file"', (variant as ManifestVariant).file, rules)
      if (fault !== undefined) return `${encoding} delta against ${dictionary.slice(0, 12)}…: ${fault}`
    }
  }
  return undefined
}

/** True when the entries of a sample spread over the manifest are mostly missing under their roots. */
function isSampleMismatch(manifest: Manifest, roots: readonly string[]): boolean {
  const keys = Object.keys(manifest.assets)
  const step = Math.max(1, keys.length / ROOT_SAMPLE_SIZE)
  let entries = 0
  let missing = 0
  let withFile = 0
  let sourceLooking = 0
  for (let place = 0; place < keys.length; place += step) {
    const logicalPath = keys[Math.floor(place)] as string
    const entry = manifest.assets[logicalPath] as ManifestEntry
    const root = roots[entry.root ?? 0] ?? (roots[0] as string)
    entries++
    if (entry.file !== undefined) withFile++
    if (exists(root, entry.file ?? logicalPath)) continue
    missing++
    if (entry.file !== undefined && exists(root, logicalPath)) sourceLooking++
  }
  return (withFile > 0 && sourceLooking * 2 > withFile) || missing * 2 > entries
}

/** True when something is at `relativePath` under `root` (a link is followed). */
function exists(root: string, relativePath: string): boolean {
  try {
    return statSync(path.join(root, relativePath), { throwIfNoEntry: false }) !== undefined
  } catch {
    return false
  }
}

/** Checks each file of the retained builds: its paths, its fields and what it leads to on disk. */
function checkHistory(manifest: Manifest, rules: PathRules, fail: Fail): void {
  for (const build of manifest.history) {
    for (const [file, retained] of Object.entries(build.files)) {
      const fault =
        checkPath('', file, rules) ??
        checkPath('"logicalPath"', retained.logicalPath, rules) ??
        checkRecord(retained, rules) ??
        inspectFault('', file, rules) ??
        inspectVariants(retained, rules)
      if (fault !== undefined) {
        fail(`history file ${JSON.stringify(file)} (build ${JSON.stringify(build.buildId)})`, fault)
      }
    }
  }
}

/** Refuses a root that is the source of an out-dir build, or roots that lack most of the files listed. */
function checkRootMatch(
  manifest: Manifest,
  source: string,
  roots: readonly string[],
  found: FoundFiles,
): void {
  const { missing, withFile, sourceLooking } = found
  if (withFile > 0 && sourceLooking.length * 2 > withFile) {
    const outDir = manifest.options.outDir
    const fix =
      outDir === undefined
        ? "pass the build's --out-dir as root"
        : `pass root: ${JSON.stringify(displayPath(path.resolve(path.dirname(source), outDir)))}`
    throw new StaticConfigError(
      'manifest',
      `${JSON.stringify(source)} was built with --out-dir, but root ${JSON.stringify(roots[0])} looks like the source: ` +
        `${sourceLooking.length} of ${withFile} fingerprinted files (${examples(sourceLooking)}) are missing there while their plain names exist; ${fix}`,
    )
  }
  if (missing.length * 2 > found.entries) {
    throw new StaticConfigError(
      'manifest',
      `${JSON.stringify(source)} does not match root ${roots.map((root) => JSON.stringify(root)).join(', ')}: ${missing.length} of ${found.entries} files it lists are missing there (${examples(missing)}); ` +
        `pass the root it was built from${manifest.options.layout === 'out-dir' ? ' (its --out-dir)' : ''}, or rebuild it with "vstatic build"`,
    )
  }
}

/** What an asset entry and a retained file of the history have in common. */
interface FileRecord {
  readonly size: unknown
  readonly hash: unknown
  readonly token: unknown
  readonly contentType: unknown
  readonly cycle?: unknown
  readonly encodings?: unknown
}

/**
 * The fault of one entry's own fields and variants (not its real path), or undefined. `parsed`: the
 * record is an asset entry whose size and hash {@link entryShapeFault} already checked.
 */
function checkRecord(record: FileRecord, rules: PathRules, parsed = false): string | undefined {
  if (!parsed && !isSize(record.size))
    return `has an invalid "size" ${JSON.stringify(record.size)} (expected a whole number of bytes)`
  if (!parsed && (typeof record.hash !== 'string' || !HASH.test(record.hash))) {
    return `has an invalid "hash" ${JSON.stringify(record.hash)} (expected 64 lowercase hex characters of SHA-256)`
  }
  const hash = record.hash as string
  // A token equal to its hash's is well-formed: the pattern is matched only for the others.
  const ownToken = record.token === toToken(hash)
  if (!ownToken && (typeof record.token !== 'string' || !TOKEN.test(record.token))) {
    return `has an invalid "token" ${JSON.stringify(record.token)} (expected ${TOKEN_LENGTH} lowercase hex characters)`
  }
  // A reference cycle shares one version derived from all its members; every other token is its hash's.
  if (record.cycle !== true && !ownToken) {
    return `has token ${JSON.stringify(record.token)}, but its hash gives ${JSON.stringify(toToken(hash))} (edited by hand?); rebuild it with "vstatic build"`
  }
  if (!isValidContentType(record.contentType)) {
    return `has an invalid "contentType" ${JSON.stringify(record.contentType)} (expected type/subtype and parameters, without control characters)`
  }
  if (record.encodings === undefined) return undefined
  if (record.encodings === null || typeof record.encodings !== 'object') return 'has malformed "encodings"'
  for (const [encoding, variant] of Object.entries(record.encodings as Record<string, unknown>)) {
    if (!isEncoding(encoding)) return `has an unknown encoding ${JSON.stringify(encoding)}`
    const fault = checkVariant(variant as Partial<ManifestVariant> | null, rules)
    if (fault !== undefined) return `${encoding} variant: ${fault}`
  }
  return undefined
}

/** The fault of the fields only a current entry has, or undefined. */
function checkEntry(
  entry: ManifestEntry,
  rules: PathRules,
  cycleMembers: () => ReadonlySet<string>,
): string | undefined {
  if (
    typeof entry.integrity !== 'string' ||
    entry.integrity.length > 100 ||
    !INTEGRITY.test(entry.integrity)
  ) {
    return `has an invalid "integrity" ${JSON.stringify(entry.integrity)} (expected sha256-, sha384- or sha512-<base64>)`
  }
  if (
    entry.references !== undefined &&
    (!Array.isArray(entry.references) || !entry.references.every((item) => typeof item === 'string'))
  ) {
    return 'has malformed "references" (expected a list of paths)'
  }
  if (entry.cycle === true && !(entry.references ?? []).some((item) => cycleMembers().has(item))) {
    return 'is marked "cycle" but references no other member of a reference cycle'
  }
  return (
    (entry.file === undefined ? undefined : checkPath('"file"', entry.file, rules)) ??
    checkDeltaFiles(entry, rules)
  )
}

/** The fault of an entry's deltas: each a variant like the others, against a dictionary the history keeps. */
function checkDeltaFiles(entry: ManifestEntry, rules: PathRules): string | undefined {
  if (entry.deltas === undefined) return undefined
  for (const [dictionary, byCoding] of Object.entries(entry.deltas)) {
    if (dictionary === entry.hash) return 'has a delta against itself'
    for (const [encoding, variant] of Object.entries(byCoding)) {
      const fault = checkVariant(variant as Partial<ManifestVariant> | null, rules)
      if (fault !== undefined) return `${encoding} delta against ${dictionary.slice(0, 12)}…: ${fault}`
    }
  }
  return undefined
}

function checkVariant(variant: Partial<ManifestVariant> | null, rules: PathRules): string | undefined {
  if (variant === null || typeof variant !== 'object') return 'is not an object'
  if (!isSize(variant.size)) return `has an invalid "size" ${JSON.stringify(variant.size)}`
  if (typeof variant.hash !== 'string' || !HASH.test(variant.hash)) {
    return `has an invalid "hash" ${JSON.stringify(variant.hash)}`
  }
  return checkPath('"file"', variant.file, rules)
}

/** The fault of a path the manifest names, by its spelling: the scan's rules. `label` names a field ('' for the key). */
function checkPath(label: string, value: unknown, rules: PathRules): string | undefined {
  const subject = label === '' ? '' : `${label} ${JSON.stringify(value)} `
  if (typeof value !== 'string' || toLogicalPath(value) !== value) {
    return `${subject}is not a valid path inside the root`
  }
  if (isDotfilePath(value, rules.dotfiles)) {
    return `${subject}is a dotfile path (dotfiles: "ignore" serves none but .well-known/)`
  }
  return undefined
}

/**
 * Looks at a path on disk: 'missing', 'file', or the fault (a real path outside the root, a dotfile
 * reached through a symlink, something other than a regular file). `field` names it ('' for the key).
 */
function inspect(field: string, relativePath: string, rules: PathRules): 'missing' | 'file' | string {
  const disk = rules.disk
  const found = disk?.find(relativePath)
  if (disk === undefined || found === undefined) return 'missing'
  const subject = () => (field === '' ? '' : `${field} ${JSON.stringify(relativePath)} `)
  // Without a symlink on the way, the real path is the path whose spelling was already checked.
  if (found.viaLink && !isAllowedRealPath(found.realPath, disk.rule)) {
    if (!isInside(found.realPath, disk.rule.realRoot)) {
      const where = rules.followSymlinksOutsideRoot ? 'to a dotfile outside the root' : 'outside the root'
      return `${subject()}leads ${where} (to ${JSON.stringify(found.realPath)})`
    }
    const relative = path.relative(disk.rule.realRoot, found.realPath).split(path.sep).join('/')
    if (relative !== '') return `${subject()}leads to ${JSON.stringify(relative)}, a dotfile path`
  }
  if (
    found.viaLink &&
    found.isFile &&
    isIgnoredRealPath(found.realPath, path.join(disk.rule.realRoot, relativePath), disk.rule)
  ) {
    const relative = path.relative(disk.rule.realRoot, found.realPath).split(path.sep).join('/')
    return `${subject()}leads to ${JSON.stringify(relative)}, which the build's ignore patterns ${JSON.stringify(disk.rule.ignore)} leave out`
  }
  return found.isFile ? 'file' : `${subject()}is not a regular file`
}

/** The fault {@link inspect} finds, or undefined for a regular file or a missing one. */
function inspectFault(field: string, relativePath: string, rules: PathRules): string | undefined {
  const found = inspect(field, relativePath, rules)
  return found === 'missing' || found === 'file' ? undefined : found
}

/** True when the dotfile rule hides the path; the common path without a dot segment is decided without splitting it. */
function isDotfilePath(relativePath: string, dotfiles: Dotfiles): boolean {
  if (relativePath.charCodeAt(0) !== 46 /* . */ && !relativePath.includes('/.')) return false
  return !isAllowedPath(relativePath, dotfiles)
}

function isSize(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function examples(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).map((item) => JSON.stringify(item))
  return `${paths.length > 3 ? 'e.g. ' : ''}${shown.join(', ')}`
}

/** A path as the user would type it: relative to the working directory when below it. */
function displayPath(absolutePath: string): string {
  const relative = path.relative(process.cwd(), absolutePath)
  return relative === ''
    ? '.'
    : relative.startsWith('..') || path.isAbsolute(relative)
      ? absolutePath
      : relative
}
