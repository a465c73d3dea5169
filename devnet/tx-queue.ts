/**
 * One transaction submission at a time for a sending account.
 *
 * viem picks a nonce per send (`eth_getTransactionCount(…, 'pending')`); two sends racing from
 * the same key can pick the same one and one of them fails. The local chain mines on submission,
 * so once a send has returned the next one sees the new nonce: serialising "pick nonce, sign,
 * broadcast" is enough. Receipts are awaited outside the queue.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `task` after every task queued before it has finished (whether it succeeded or not). */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
