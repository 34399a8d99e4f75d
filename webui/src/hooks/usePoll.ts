// Live updates: calls `load` now and then every `intervalMs` while the component is mounted (and when
// `key` changes), keeping the last good answer and the last error. A request still in flight is not
// overlapped by the next one.
import { useEffect, useState } from "preact/hooks";

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  refresh: () => void;
}

export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await load();
        if (stopped) return;
        setData(value);
        setError(undefined);
      } catch (e) {
        if (stopped) return;
        setError(e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, tick, intervalMs]);
  useEffect(() => setData(undefined), [key]);
  return { data, error, refresh: () => setTick((t) => t + 1) };
}
