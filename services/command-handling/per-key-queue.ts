/**
 * Runs tasks with the same key one after another, tasks with different keys concurrently.
 * Commands on one item inside one process then never race each other for the same version:
 * optimistic concurrency is left to settle races between processes only, and a hot item costs
 * one round trip per command instead of a storm of conflicts and retries.
 */
export const createPerKeyQueue = () => {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    // Forget the key once its last task is done, so the map holds only busy items.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
};
