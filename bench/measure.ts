/**
 * Shared measuring helpers for `npm run bench`. Figures are reported as ratios against a baseline
 * measured in the same process, on the same input, right before or after, so that the machine's
 * speed cancels out. Absolute numbers are printed for context only.
 */

export interface Timing {
  /** Median wall time of one run, in milliseconds. */
  medianMs: number;
  runs: number;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the median. */
export function time(fn: () => void, options: { runs?: number; warmup?: number } = {}): Timing {
  const runs = options.runs ?? 5;
  for (let i = 0; i < (options.warmup ?? 1); i += 1) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    collectGarbage();
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)]!, runs };
}

/** Async variant of `time`. */
export async function timeAsync(fn: () => Promise<void>, options: { runs?: number; warmup?: number } = {}): Promise<Timing> {
  const runs = options.runs ?? 5;
  for (let i = 0; i < (options.warmup ?? 1); i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    collectGarbage();
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)]!, runs };
}

/**
 * Peak heap growth while `fn` runs, sampled every millisecond plus at the end, in bytes above the
 * heap in use before it started (after a collection). Needs `node --expose-gc` for a clean start.
 */
export async function peakHeapGrowth(fn: () => unknown | Promise<unknown>): Promise<number> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1);
  try {
    // Keep the result alive until the last sample so that it is counted.
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    void result;
  } finally {
    clearInterval(timer);
  }
  return peak - before;
}

export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

/** A section of the bench report: a title and its lines. */
export type BenchSection = (print: (line: string) => void) => Promise<void>;
