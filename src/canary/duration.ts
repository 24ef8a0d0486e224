/**
 * Duration strings as Flagger and its metric back ends read them. The CRD only checks that a
 * duration *starts* with digits and m or s (docs/flagger-scheduler.md §1.0), so `5mins`, `10ms` and
 * `1m30s` all reach Flagger; what happens next depends on who parses the string:
 * - Flagger itself (analysis interval, webhook timeout) and the datadog, cloudwatch, newrelic,
 *   dynatrace and splunk metric providers use Go's `time.ParseDuration`;
 * - Prometheus receives the metric interval verbatim inside `[{{ interval }}]` (§3.9).
 */

/** Nanoseconds per unit of Go's `time.ParseDuration`. */
const GO_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3, // µs (micro sign)
  "\u03bcs": 1e3, // μs (Greek mu)
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const GO_TERM = /^([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)/;

/**
 * Go's `time.ParseDuration`: an optional sign, then one or more decimal numbers (fractions
 * allowed), each followed by a unit (ns, us, µs, ms, s, m, h); "0" alone is zero. Returns
 * milliseconds, or undefined when Go would return an error.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let nanoseconds = 0;
  while (rest !== "") {
    const match = GO_TERM.exec(rest);
    if (!match) return undefined;
    const [whole, number, unit] = match as unknown as [string, string, string];
    if (number === "" || number === ".") return undefined;
    const perUnit = GO_UNITS[unit];
    if (perUnit === undefined) return undefined;
    nanoseconds += Number(number) * perUnit;
    rest = rest.slice(whole.length);
  }
  return (sign * nanoseconds) / 1e6;
}

/** Milliseconds per unit of a Prometheus duration (promql/parser: model.ParseDuration). */
const PROMETHEUS_UNITS: ReadonlyArray<[string, number]> = [
  ["y", 365 * 24 * 3600e3],
  ["w", 7 * 24 * 3600e3],
  ["d", 24 * 3600e3],
  ["h", 3600e3],
  ["m", 60e3],
  ["s", 1e3],
  ["ms", 1],
];
const PROMETHEUS_DURATION = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;

/**
 * A Prometheus range duration such as `1m30s`: whole numbers, units y w d h m s ms in that order,
 * each at most once. Returns milliseconds, or undefined when PromQL would reject the range.
 */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === "" || text === "0") return text === "0" ? 0 : undefined;
  const match = PROMETHEUS_DURATION.exec(text);
  if (!match) return undefined;
  let total = 0;
  PROMETHEUS_UNITS.forEach(([, ms], i) => {
    const value = match[i + 1];
    if (value !== undefined) total += Number(value) * ms;
  });
  return total;
}

/** Flagger's default and minimum analysis interval (`GetAnalysisInterval`, docs/flagger-scheduler.md §0). */
export const DEFAULT_ANALYSIS_INTERVAL_MS = 60_000;
export const MINIMUM_ANALYSIS_INTERVAL_MS = 10_000;

/**
 * The analysis interval Flagger schedules with (`GetAnalysisInterval`, docs/flagger-scheduler.md §0): an
 * empty or unparsable interval is 60s, anything below 10s is 10s.
 */
export function resolveAnalysisIntervalMs(interval: string | undefined): number {
  if (interval === undefined || interval === "") return DEFAULT_ANALYSIS_INTERVAL_MS;
  const parsed = parseGoDuration(interval);
  if (parsed === undefined) return DEFAULT_ANALYSIS_INTERVAL_MS;
  return Math.max(parsed, MINIMUM_ANALYSIS_INTERVAL_MS);
}

/** "90s" → "1m30s", for messages. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours > 0 ? `${hours}h` : ""}${minutes > 0 ? `${minutes}m` : ""}${seconds > 0 || totalSeconds === 0 ? `${seconds}s` : ""}`;
}
