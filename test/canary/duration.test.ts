import { describe, expect, it } from "vitest";
import { formatDurationMs, parseGoDuration, parsePrometheusDuration, resolveAnalysisIntervalMs } from "../../src/canary/duration.js";

describe("Go's time.ParseDuration (flagger-scheduler.md §0, §2)", () => {
  it.each([
    ["1m", 60_000],
    ["90s", 90_000],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1.5m", 90_000],
    [".5s", 500],
    ["10ms", 10],
    ["1000us", 1],
    ["1000µs", 1],
    ["0", 0],
    ["-1m", -60_000],
    ["1s500ms", 1500],
  ])("%s = %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", "5mins", "1m ", " 1m", "1", "m", ".", "1d", "1m-3s", "5m30", "1M"])("%j is an error", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("Prometheus range durations (§3.9)", () => {
  it.each([
    ["1m", 60_000],
    ["1m30s", 90_000],
    ["10ms", 10],
    ["1d", 86_400_000],
    ["2w", 1_209_600_000],
  ])("%s = %d ms", (text, ms) => {
    expect(parsePrometheusDuration(text)).toBe(ms);
  });

  it.each(["", "5mins", "1.5m", "30s1m", "1s500", "1m "])("%j is rejected", (text) => {
    expect(parsePrometheusDuration(text)).toBeUndefined();
  });
});

describe("GetAnalysisInterval", () => {
  it("empty or unparsable is 60s, below 10s is 10s", () => {
    expect(resolveAnalysisIntervalMs(undefined)).toBe(60_000);
    expect(resolveAnalysisIntervalMs("5mins")).toBe(60_000);
    expect(resolveAnalysisIntervalMs("10ms")).toBe(10_000);
    expect(resolveAnalysisIntervalMs("2m")).toBe(120_000);
  });

  it("formats durations for messages", () => {
    expect([formatDurationMs(10), formatDurationMs(0), formatDurationMs(90_000), formatDurationMs(200_000_000)]).toEqual(["10ms", "0ms", "1m30s", "55h33m20s"]);
  });
});
