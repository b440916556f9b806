/**
 * Bounded concurrency for file and object work: enough operations in flight to keep the
 * runtime's I/O threads busy, few enough not to run out of file descriptors (EMFILE).
 */

/**
 * Runs `task` on every item with at most `limit` in flight; results keep the items' order.
 * After a failure no new task starts, and the first error is thrown.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** A semaphore: `run(fn)` waits for a free slot, so recursive walks stay bounded too. */
export function createLimiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <R>(task: () => Promise<R>): Promise<R> => {
    // A finished task hands its slot straight to the next waiter, so `active` never exceeds `limit`.
    if (active >= limit) await new Promise<void>((wake) => waiting.push(wake));
    else active++;
    try {
      return await task();
    } finally {
      const wake = waiting.shift();
      if (wake) wake();
      else active--;
    }
  };
}
