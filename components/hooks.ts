import { liveQuery } from 'dexie';
import { useEffect, useState } from 'react';

/** Subscribe to a Dexie query; re-renders whenever the background writes what it reads. */
export function useLive<T>(query: () => Promise<T>, deps: unknown[], initial: T): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    const sub = liveQuery(query).subscribe({ next: setValue, error: (e) => console.error('[x402] live query failed', e) });
    return () => sub.unsubscribe();
    // The caller names what its query depends on (`deps`), as with useEffect itself.
  }, deps);
  return value;
}

/** The current time, ticking every `everyMs` (countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
