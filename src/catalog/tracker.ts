/**
 * The one freshness rule of the production indexes (scanned and manifest). An asset is served as
 * it is only while the file on disk is the one its hash was taken from. At most once a second per
 * file, a lookup compares one `stat` with the recorded identity; a file that changed (or was never
 * read, for a manifest entry) is read again, once, however many requests wait for it, and the
 * asset is replaced by what the bytes now say.
 *
 * A file with references (a stylesheet) is only as fresh as what it references: the once-a-second
 * check of its lookup walks its references, transitively, and each file on the way is stat'ed at
 * most once a second however many stylesheets name it. A re-read that could not settle (no
 * descriptor free, or the file kept changing while it was read) keeps the entry and is tried again.
 * @module
 */
import { statSync } from 'node:fs'
import { isSameFile } from '../root/open-file.js'
import type { Asset } from '../types.js'

/**
 * What a re-read of an asset's file found: its new asset, no servable file (`gone`), no descriptor
 * free (`busy`), or a file that kept changing while it was read (`unsettled`). Only `gone` drops
 * the entry; after `busy` or `unsettled` it waits, untrusted, for the next try.
 */
export type Reread = Asset | 'gone' | 'busy' | 'unsettled'

/** A set of assets kept true to the disk. */
export interface Tracker {
  /** The asset for a logical path; checks the disk at most once a second and starts a re-read on a change. */
  get(key: string): Asset | undefined
  /**
   * The asset to serve for `asset`: the same object when its bytes are known to be on disk, a newer
   * asset, undefined when the file is gone, or a promise of one of those while it is read again.
   * Rejects with an EMFILE error when no descriptor was free to read it.
   */
  verify(asset: Asset): Asset | undefined | Promise<Asset | undefined>
  /** Reads the file of a logical path again (one read however many callers ask at once). */
  refresh(key: string): Promise<Asset | undefined>
  /**
   * True when `asset` is the current asset of its key and its bytes, and those of every file it
   * references (transitively), are known to be on disk: no re-read is pending or failed for any of
   * them. A token or SRI value handed out for an asset that is not fresh may name old bytes.
   */
  isFresh(asset: Asset): boolean
  /** Every asset known now. */
  values(): Asset[]
}

/** How a tracker makes and re-reads its assets. */
export interface TrackerSource {
  /** Assets whose bytes were read just now (a scan); trusted until their file changes. */
  readonly initial?: Iterable<Asset>
  /**
   * Makes the asset of a key on first use (a manifest entry); undefined if unknown. An asset with an
   * identity was read from that file just now; one without is read before its first byte is served.
   */
  readonly load?: (key: string) => Asset | undefined
  /** Reads the file of `current` again and makes the asset its bytes now give. */
  readonly reread: (current: Asset) => Promise<Reread>
  /** Called after an asset was replaced by one with other bytes. */
  readonly onReplaced?: (previous: Asset, next: Asset) => void
  /** Called after an asset's file was found gone and its entry dropped. */
  readonly onGone?: (previous: Asset) => void
  /** The key an asset is kept under (what `get` and `load` take). @default its logical path */
  readonly keyOf?: (asset: Asset) => string
}

interface Entry {
  asset: Asset
  /** The second of the last disk check. */
  checkedSecond: number
  /** True while the file on disk is known to hold the bytes the asset describes. */
  trusted: boolean
  pending: Promise<Asset | undefined> | undefined
  /** The tracker's generation when {@link Entry.fresh} was worked out. */
  freshGeneration: number
  /** Whether the asset and its references were all trusted, with no re-read pending, at that generation. */
  fresh: boolean
}

/** A tracker over `source`. */
export function createTracker(source: TrackerSource): Tracker {
  return new AssetTracker(source)
}

const nowSecond = () => Math.floor(Date.now() / 1000)

class AssetTracker implements Tracker {
  readonly #source: TrackerSource
  readonly #entries = new Map<string, Entry>()
  readonly #keyOf: (asset: Asset) => string
  /** Bumped whenever an entry's trust, pending re-read or asset changes: cached freshness is then worked out again. */
  #generation = 0

  constructor(source: TrackerSource) {
    this.#source = source
    this.#keyOf = source.keyOf ?? ((asset: Asset) => asset.logicalPath)
    for (const asset of source.initial ?? []) this.#entries.set(this.#keyOf(asset), newEntry(asset, true))
  }

  get(key: string): Asset | undefined {
    const entry = this.#entryOf(key)
    if (entry === undefined) return undefined
    const second = nowSecond()
    if (entry.checkedSecond !== second) this.#check(entry, second)
    return entry.asset
  }

  verify(asset: Asset): Asset | undefined | Promise<Asset | undefined> {
    const entry = this.#entries.get(this.#keyOf(asset))
    if (entry === undefined) return undefined
    if (entry.asset !== asset) return entry.asset
    return entry.trusted ? asset : this.#reread(entry)
  }

  refresh(key: string): Promise<Asset | undefined> {
    const entry = this.#entryOf(key)
    if (entry === undefined) return Promise.resolve(undefined)
    this.#distrust(entry)
    return this.#reread(entry)
  }

  isFresh(asset: Asset): boolean {
    const entry = this.#entries.get(this.#keyOf(asset))
    if (entry === undefined || entry.asset !== asset) return false
    if (entry.freshGeneration !== this.#generation) {
      entry.fresh = this.#isClosureFresh(entry)
      entry.freshGeneration = this.#generation
    }
    return entry.fresh
  }

  values(): Asset[] {
    return [...this.#entries.values()].map((entry) => entry.asset)
  }

  #entryOf(key: string): Entry | undefined {
    const known = this.#entries.get(key)
    if (known !== undefined || this.#source.load === undefined) return known
    const asset = this.#source.load(key)
    if (asset === undefined) return undefined
    // An asset loaded with an identity was read just now: it is true to the disk until that changes.
    const entry = newEntry(asset, asset.identity !== undefined)
    this.#entries.set(key, entry)
    this.#generation++
    return entry
  }

  /**
   * The once-a-second check of `start` and, transitively, of the files its asset references: each
   * entry on the way is checked at most once this second, so a file named by many stylesheets costs
   * one `stat` a second, and a reference cycle ends where it began.
   */
  #check(start: Entry, second: number): void {
    const stack = [start]
    for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
      if (entry.checkedSecond === second) continue
      entry.checkedSecond = second
      this.#checkDisk(entry)
      for (const reference of entry.asset.references) {
        const dependency = this.#entries.get(reference)
        if (dependency !== undefined && dependency.checkedSecond !== second) stack.push(dependency)
      }
    }
  }

  /** One `stat` of a trusted entry's file; a change, or an earlier re-read that did not settle, starts a re-read. */
  #checkDisk(entry: Entry): void {
    if (entry.pending !== undefined) return
    if (entry.trusted) {
      if (isOnDisk(entry.asset)) return
      this.#distrust(entry)
    } else if (entry.asset.identity === undefined) {
      return // never read (a manifest entry): it is read before its first byte is served
    }
    void this.#reread(entry)
  }

  /** Whether an entry and everything it references are trusted with no re-read pending (iterative: deep chains, cycles). */
  #isClosureFresh(start: Entry): boolean {
    const seen = new Set<Entry>([start])
    const stack = [start]
    for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
      if (!isSettled(entry)) return false
      for (const reference of entry.asset.references) {
        const dependency = this.#entries.get(reference)
        if (dependency !== undefined && !seen.has(dependency)) {
          seen.add(dependency)
          stack.push(dependency)
        }
      }
    }
    return true
  }

  #distrust(entry: Entry): void {
    if (entry.trusted) this.#generation++
    entry.trusted = false
  }

  /** One re-read per entry at a time, however many callers ask. */
  #reread(entry: Entry): Promise<Asset | undefined> {
    if (entry.pending !== undefined) return entry.pending
    const previous = entry.asset
    const pending = this.#source.reread(previous).then(
      (next) => this.#settle(entry, previous, next),
      (error: unknown) => {
        entry.pending = undefined
        this.#generation++
        throw error
      },
    )
    entry.pending = pending
    this.#generation++
    // Lookups start re-reads without waiting for them: never leave a rejection unhandled.
    pending.catch(() => undefined)
    return pending
  }

  #settle(entry: Entry, previous: Asset, next: Reread): Asset | undefined {
    entry.pending = undefined
    this.#generation++
    // The entry stays, untrusted: the next lookup (at most once a second) or request tries again.
    if (next === 'busy') throw busyError(previous.logicalPath)
    if (next === 'unsettled') throw unsettledError(previous.logicalPath)
    if (next === 'gone') {
      const key = this.#keyOf(previous)
      if (this.#entries.get(key) === entry) this.#entries.delete(key)
      this.#source.onGone?.(previous)
      return undefined
    }
    // A newer change may have been seen while this read ran: the next lookup checks again.
    entry.asset = next
    entry.trusted = true
    entry.checkedSecond = nowSecond()
    if (next.hash !== previous.hash) this.#source.onReplaced?.(previous, next)
    return next
  }
}

function newEntry(asset: Asset, trusted: boolean): Entry {
  return { asset, checkedSecond: nowSecond(), trusted, pending: undefined, freshGeneration: -1, fresh: false }
}

/**
 * True when an entry's asset may be handed out as it is: trusted, or never read yet (a manifest
 * entry, whose manifest is trusted until its file is read), and no re-read pending.
 */
function isSettled(entry: Entry): boolean {
  return entry.pending === undefined && (entry.trusted || entry.asset.identity === undefined)
}

/** True when the file at the asset's path is, by one stat, the one its bytes were read from. */
function isOnDisk(asset: Asset): boolean {
  if (asset.identity === undefined) return false
  try {
    const stats = statSync(asset.absolutePath, { throwIfNoEntry: false })
    return stats !== undefined && isSameFile(asset.identity, stats)
  } catch {
    return false
  }
}

function busyError(logicalPath: string): Error {
  return Object.assign(new Error(`no file descriptor free to read ${logicalPath}`), { code: 'EMFILE' })
}

/** The error of a file that kept changing while it was read: answered like no descriptor free (503, retry). */
function unsettledError(logicalPath: string): Error {
  return Object.assign(new Error(`${logicalPath} kept changing while it was read; try again shortly`), {
    code: 'EBUSY',
  })
}
