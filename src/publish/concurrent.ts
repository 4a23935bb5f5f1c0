/**
 * forEachConcurrent(): runs a task per item with at most `limit` in flight, the way a publish talks
 * to a store.
 * @module
 */

/**
 * Calls `task` for every item, at most `limit` at a time. On the first failure no further task
 * starts; the tasks in flight are awaited, then the first error is thrown.
 */
export async function forEachConcurrent<Item>(
  items: readonly Item[],
  limit: number,
  task: (item: Item, index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++
      try {
        await task(items[index] as Item, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker)
  await Promise.all(workers)
  if (failure !== undefined) throw failure.error
}
