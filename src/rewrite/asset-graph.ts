/**
 * resolveGraph(): turns source files into served content. Files with references (CSS, and the
 * source-map comment of JS) are rewritten to versioned URLs, dependencies first, so a stylesheet's
 * token is the hash of its rewritten bytes and changes when anything it references changes.
 * Reference cycles are found as strongly connected components and get a combined version.
 * @module
 */
import { hashContent, toToken } from '../hash.js'
import { formatVersionedUrl } from '../http/versioned-path.js'
import type { OnWarning, Versioning } from '../types.js'
import {
  applyReplacements,
  type FoundReference,
  findReferences,
  hasReferences,
  resolveReference,
  serializeReference,
} from './references.js'

/** A file as read from the root. */
export interface SourceFile {
  readonly logicalPath: string
  /** SHA-256 of the bytes on disk. */
  readonly hash: string
  /** The content as text, for files that may hold references; undefined for the rest. */
  readonly text: string | undefined
  /** What the file resolved to already (see {@link resolveAhead}); the graph takes it as it is. */
  readonly resolved?: ResolvedFile
  /** The references of `text`, when the reader found them already: they are then not searched for again. */
  readonly found?: readonly FoundReference[]
}

/** What the graph decides for one file. */
export interface ResolvedFile {
  /** The version token used in URLs. */
  readonly token: string
  /** SHA-256 of the bytes served (the rewritten bytes, when rewritten). */
  readonly hash: string
  /** The rewritten bytes; undefined when the file is served as it is on disk. */
  readonly body: Buffer | undefined
  /** Logical paths this file references (its dependencies). */
  readonly references: readonly string[]
}

/** How references are resolved and spelled. */
export interface GraphOptions {
  readonly prefix: string
  readonly versioning: Versioning
  /** Files already fingerprinted by a bundler: never rewritten. */
  readonly isFingerprinted: (logicalPath: string) => boolean
  readonly onWarning: OnWarning
}

/** One reference that names a file of the root. */
export interface Edge {
  readonly reference: FoundReference
  readonly target: string
  readonly pathText: string
  readonly suffix: string
}

/** Resolves every file of `files` (logical path → source), dependencies before dependants. */
export function resolveGraph(
  files: ReadonlyMap<string, SourceFile>,
  options: GraphOptions,
): Map<string, ResolvedFile> {
  const edges = new Map<string, Edge[]>()
  for (const file of files.values()) {
    if (file.text !== undefined && file.resolved === undefined)
      edges.set(
        file.logicalPath,
        findEdges(file, (path) => files.has(path), options),
      )
  }
  const resolved = new Map<string, ResolvedFile>()
  for (const file of files.values()) {
    if (file.resolved !== undefined) {
      resolved.set(file.logicalPath, file.resolved)
    } else if (!edges.has(file.logicalPath)) {
      resolved.set(file.logicalPath, {
        token: toToken(file.hash),
        hash: file.hash,
        body: undefined,
        references: [],
      })
    }
  }
  for (const component of stronglyConnectedComponents([...edges.keys()], (node) => targetsOf(edges, node))) {
    const first = component[0]
    if (first === undefined) continue
    const isCycle = component.length > 1 || targetsOf(edges, first).includes(first)
    if (!isCycle) {
      resolved.set(
        first,
        rewrite(files.get(first), edges.get(first) ?? [], (path) => resolved.get(path)?.token, options),
      )
      continue
    }
    const members = [...component].sort()
    options.onWarning(`reference cycle between ${members.join(', ')}; they share one version`, {
      kind: 'reference-cycle',
      paths: members,
    })
    const tokens = cycleTokens(component, files, edges, resolved)
    for (const member of component) {
      const result = rewrite(
        files.get(member),
        edges.get(member) ?? [],
        (path) => tokens.get(path) ?? resolved.get(path)?.token,
        options,
      )
      resolved.set(member, { ...result, token: tokens.get(member) ?? result.token })
    }
  }
  return resolved
}

/**
 * Resolves a file as soon as it is read, when every file its references name already has its final
 * token (`tokenOf`): the result {@link resolveGraph} would give it, warnings included. Undefined
 * while a reference names a file that `pending` says may still change (it may hold references of its
 * own and has no final token yet): the file then waits for the graph.
 */
export function resolveAhead(
  file: SourceFile,
  tokenOf: (logicalPath: string) => string | undefined,
  pending: (logicalPath: string) => boolean,
  options: GraphOptions,
): ResolvedFile | undefined {
  if (file.text === undefined || options.isFingerprinted(file.logicalPath))
    return { token: toToken(file.hash), hash: file.hash, body: undefined, references: [] }
  const found = referencesOf(file, file.text)
  for (const reference of found) {
    const target = resolveReference(file.logicalPath, reference.value, options.prefix)
    if (target.kind === 'file' && tokenOf(target.logicalPath) === undefined && pending(target.logicalPath))
      return undefined
  }
  const edges = findEdges({ ...file, found }, (path) => tokenOf(path) !== undefined, options)
  return rewrite(file, edges, tokenOf, options)
}

/**
 * The references of one file that name files of the root; warns (with file and line) about those
 * that look like files but name nothing in the root.
 */
export function findEdges(
  file: SourceFile,
  exists: (logicalPath: string) => boolean,
  options: GraphOptions,
): Edge[] {
  if (file.text === undefined || options.isFingerprinted(file.logicalPath)) return []
  const found: Edge[] = []
  const warned = new Set<string>()
  for (const reference of referencesOf(file, file.text)) {
    const target = resolveReference(file.logicalPath, reference.value, options.prefix)
    if (target.kind === 'external') continue
    if (target.kind === 'file' && exists(target.logicalPath)) {
      found.push({ reference, target: target.logicalPath, pathText: target.pathText, suffix: target.suffix })
      continue
    }
    if (warned.has(reference.value)) continue
    warned.add(reference.value)
    const why = target.kind === 'file' ? `${target.logicalPath} is not in the root` : target.reason
    options.onWarning(
      `${file.logicalPath}:${reference.line}: reference ${JSON.stringify(reference.value)} left as is (${why})`,
      { kind: 'unresolved-reference', paths: [file.logicalPath] },
    )
  }
  return found
}

/** Rewrites one file's references with the tokens `tokenOf` gives; unknown tokens are left alone. */
export function rewrite(
  file: SourceFile | undefined,
  fileEdges: readonly Edge[],
  tokenOf: (logicalPath: string) => string | undefined,
  options: Pick<GraphOptions, 'versioning'>,
): ResolvedFile {
  if (file === undefined) throw new Error('rewrite() needs the source file')
  const replacements: Array<{ start: number; end: number; text: string }> = []
  for (const edge of fileEdges) {
    const token = tokenOf(edge.target)
    if (token === undefined) continue
    const value = formatVersionedUrl(edge.pathText, token, options.versioning, edge.suffix)
    replacements.push({
      start: edge.reference.start,
      end: edge.reference.end,
      text: serializeReference(edge.reference, value),
    })
  }
  const references = [...new Set(fileEdges.map((edge) => edge.target))].sort()
  if (replacements.length === 0 || file.text === undefined) {
    return { token: toToken(file.hash), hash: file.hash, body: undefined, references }
  }
  const body = Buffer.from(applyReplacements(file.text, replacements), 'utf8')
  const hash = hashContent(body)
  return { token: toToken(hash), hash, body, references }
}

export { hasReferences }

// --- internal ---

/** The references of a file's text: the ones its reader found, or found now. */
function referencesOf(file: SourceFile, text: string): readonly FoundReference[] {
  return file.found ?? findReferences(file.logicalPath, text)
}

function targetsOf(edges: ReadonlyMap<string, Edge[]>, node: string): string[] {
  return (edges.get(node) ?? []).map((edge) => edge.target).filter((target) => edges.has(target))
}

/** One version for a whole cycle: its members' source bytes plus the tokens of what they reference outside it. */
function cycleTokens(
  component: readonly string[],
  files: ReadonlyMap<string, SourceFile>,
  edges: ReadonlyMap<string, Edge[]>,
  resolved: ReadonlyMap<string, ResolvedFile>,
): Map<string, string> {
  const members = [...component].sort()
  const parts: string[] = []
  for (const member of members) {
    parts.push(member, files.get(member)?.hash ?? '')
    for (const edge of edges.get(member) ?? []) {
      if (!component.includes(edge.target)) parts.push(edge.target, resolved.get(edge.target)?.token ?? '')
    }
  }
  const combined = hashContent(Buffer.from(parts.join('\0')))
  return new Map(
    members.map((member) => [member, toToken(hashContent(Buffer.from(`${combined}\0${member}`)))]),
  )
}

/**
 * Tarjan's algorithm, iterative (deep reference chains cannot overflow the stack). Components come
 * out dependencies first.
 */
function stronglyConnectedComponents(
  nodes: readonly string[],
  successors: (node: string) => string[],
): string[][] {
  const index = new Map<string, number>()
  const lowLink = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  let counter = 0
  for (const root of [...nodes].sort()) {
    if (index.has(root)) continue
    const work: Array<{ node: string; next: string[]; position: number }> = []
    const visit = (node: string) => {
      index.set(node, counter)
      lowLink.set(node, counter)
      counter++
      stack.push(node)
      onStack.add(node)
      work.push({ node, next: successors(node), position: 0 })
    }
    visit(root)
    while (work.length > 0) {
      const frame = work[work.length - 1]
      if (frame === undefined) break
      if (frame.position < frame.next.length) {
        const successor = frame.next[frame.position++] ?? ''
        if (!index.has(successor)) visit(successor)
        else if (onStack.has(successor)) {
          lowLink.set(frame.node, Math.min(lowLink.get(frame.node) ?? 0, index.get(successor) ?? 0))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) {
        lowLink.set(parent.node, Math.min(lowLink.get(parent.node) ?? 0, lowLink.get(frame.node) ?? 0))
      }
      if (lowLink.get(frame.node) === index.get(frame.node)) {
        const component: string[] = []
        let member: string | undefined
        do {
          member = stack.pop()
          if (member === undefined) break
          onStack.delete(member)
          component.push(member)
        } while (member !== frame.node)
        components.push(component)
      }
    }
  }
  return components
}
