/**
 * The one freshness rule of the production indexes (scanned and manifest). An asset is served as
 * it is only while the file on disk is the one its hash was taken from. At most once a second per
 * file, a lookup compares one `stat` with the recorded identity; a file that changed (or was never
 * read, for a manifest entry) is read again, once, however many requests wait for it, and the
 * asset is replaced by what the bytes now say.
 * @module
 */
import { statSync } from 'node:fs'
import { isSameFile } from '../root/open-file.js'
import type { Asset } from '../types.js'

/** What a re-read of an asset's file found. */
export type Reread = Asset | 'gone' | 'busy'

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

  constructor(source: TrackerSource) {
    this.#source = source
    this.#keyOf = source.keyOf ?? ((asset: Asset) => asset.logicalPath)
    for (const asset of source.initial ?? []) {
      this.#entries.set(this.#keyOf(asset), {
        asset,
        checkedSecond: nowSecond(),
        trusted: true,
        pending: undefined,
      })
    }
  }

  get(key: string): Asset | undefined {
    const entry = this.#entryOf(key)
    if (entry === undefined) return undefined
    const second = nowSecond()
    if (entry.checkedSecond !== second) {
      entry.checkedSecond = second
      if (entry.trusted && !isOnDisk(entry.asset)) {
        entry.trusted = false
        void this.#reread(entry)
      }
    }
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
    entry.trusted = false
    return this.#reread(entry)
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
    const trusted = asset.identity !== undefined
    const entry: Entry = { asset, checkedSecond: nowSecond(), trusted, pending: undefined }
    this.#entries.set(key, entry)
    return entry
  }

  /** One re-read per entry at a time, however many callers ask. */
  #reread(entry: Entry): Promise<Asset | undefined> {
    if (entry.pending !== undefined) return entry.pending
    const previous = entry.asset
    const pending = this.#source.reread(previous).then(
      (next) => this.#settle(entry, previous, next),
      (error: unknown) => {
        entry.pending = undefined
        throw error
      },
    )
    entry.pending = pending
    // Lookups start re-reads without waiting for them: never leave a rejection unhandled.
    pending.catch(() => undefined)
    return pending
  }

  #settle(entry: Entry, previous: Asset, next: Reread): Asset | undefined {
    entry.pending = undefined
    if (next === 'busy') throw busyError(previous.logicalPath)
    if (next === 'gone') {
      const key = this.#keyOf(previous)
      if (this.#entries.get(key) === entry) this.#entries.delete(key)
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
