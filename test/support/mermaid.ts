/**
 * Checks Mermaid diagrams with Mermaid's own library in a real headless Chromium (Debian's
 * `chromium`, driven by playwright-core): a diagram that GitHub would show as an error box fails.
 * `mermaid.parse` catches syntax errors; `mermaid.render` also catches what only layout finds.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";

const require = createRequire(import.meta.url);
const MERMAID_JS = require.resolve("mermaid/dist/mermaid.min.js");

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface MermaidResult {
  source: string;
  ok: boolean;
  error?: string;
}

/** Where a diagram's marks fall on the page, in CSS pixels (bounding boxes in screen space). */
export interface MermaidGeometry {
  ok: boolean;
  error?: string;
  /** Gantt: every task bar, and the labelled ticks of the time axis. */
  tasks: Array<{ id: string; left: number; right: number; top: number; classes: string }>;
  axisTicks: Array<{ label: string; x: number }>;
  /** xychart: the vertices of each line plot, the axis labels, and each line's stroke colour. */
  lines: Array<{ stroke: string; points: Array<{ x: number; y: number }> }>;
  xLabels: Array<{ label: string; x: number }>;
  yLabels: Array<{ label: string; y: number }>;
  /** The diagram's own background fill, when it draws one. */
  background?: string;
}

/** One browser for many diagrams; call `close()` when done. */
export async function openMermaidChecker(): Promise<{
  check(sources: readonly string[]): Promise<MermaidResult[]>;
  measure(source: string, options?: { theme?: "default" | "dark" }): Promise<MermaidGeometry>;
  close(): Promise<void>;
}> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page: Page = await browser.newPage();
  await page.setContent("<!doctype html><html><body></body></html>");
  await page.addScriptTag({ content: readFileSync(MERMAID_JS, "utf8") });
  await page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
  return {
    async check(sources) {
      const results: MermaidResult[] = [];
      for (const [i, source] of sources.entries()) {
        const error = await page.evaluate(
          async ({ source, id }) => {
            const mermaid = (globalThis as unknown as { mermaid: { parse(s: string): Promise<unknown>; render(id: string, s: string): Promise<{ svg: string }> } }).mermaid;
            try {
              await mermaid.parse(source);
              const { svg } = await mermaid.render(id, source);
              if (!svg.includes("<svg")) return "render produced no SVG";
              if (svg.includes("Syntax error in text")) return "render produced Mermaid's error diagram";
              return null;
            } catch (e) {
              return e instanceof Error ? e.message : String(e);
            }
          },
          { source, id: `diagram${i}` },
        );
        results.push(error === null ? { source, ok: true } : { source, ok: false, error });
      }
      return results;
    },
    async measure(source, options = {}) {
      return page.evaluate(
        async ({ source, theme }) => {
          const mermaid = (globalThis as unknown as { mermaid: { initialize(c: object): void; render(id: string, s: string): Promise<{ svg: string }> } }).mermaid;
          const empty = { tasks: [], axisTicks: [], lines: [], xLabels: [], yLabels: [] };
          mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme });
          let svg: string;
          try {
            const counter = globalThis as unknown as { measured?: number };
            counter.measured = (counter.measured ?? 0) + 1;
            svg = (await mermaid.render(`measured${counter.measured}`, source)).svg;
          } catch (e) {
            return { ok: false, error: e instanceof Error ? e.message : String(e), ...empty };
          } finally {
            mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
          }
          // The page's DOM, typed as far as used here (the project compiles without lib "dom").
          interface Box { left: number; right: number; top: number; width: number; height: number }
          interface El { id: string; textContent: string | null; getAttribute(name: string): string | null; getBoundingClientRect(): Box; querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> & Iterable<El>; getScreenCTM(): unknown }
          const dom = globalThis as unknown as {
            document: { createElement(tag: string): El & { style: { width: string }; innerHTML: string }; body: { replaceChildren(e: unknown): void } };
            DOMPoint: new (x: number, y: number) => { matrixTransform(m: unknown): { x: number; y: number } };
          };
          const host = dom.document.createElement("div");
          host.style.width = "1200px";
          dom.document.body.replaceChildren(host);
          host.innerHTML = svg;
          const root = host.querySelector("svg")!;
          const box = (e: El) => e.getBoundingClientRect();
          const tasks = [...root.querySelectorAll("rect.task")].map((r) => ({ id: r.id.replace(/^.*-/, ""), left: box(r).left, right: box(r).right, top: box(r).top, classes: r.getAttribute("class") ?? "" }));
          const axisTicks = [...root.querySelectorAll("g.grid g.tick")].map((t) => ({ label: t.querySelector("text")?.textContent ?? "", x: box(t.querySelector("line")!).left }));
          const lines = [...root.querySelectorAll("g[class^=line-plot] path")].map((p) => {
            const path = p;
            const ctm = path.getScreenCTM();
            const points = [...(path.getAttribute("d") ?? "").matchAll(/[ML]\s*([-\d.]+)[ ,]([-\d.]+)/g)].map((m) => {
              const pt = new dom.DOMPoint(Number(m[1]), Number(m[2])).matrixTransform(ctm);
              return { x: pt.x, y: pt.y };
            });
            return { stroke: path.getAttribute("stroke") ?? "", points };
          });
          const labels = (selector: string) => [...root.querySelectorAll(selector)].map((t) => ({ label: t.textContent ?? "", x: box(t).left + box(t).width / 2, y: box(t).top + box(t).height / 2 }));
          const xLabels = labels(".bottom-axis .label text").map(({ label, x }) => ({ label, x }));
          const yLabels = labels(".left-axis .label text").map(({ label, y }) => ({ label, y }));
          const background = root.querySelector("rect.background")?.getAttribute("fill") ?? undefined;
          return { ok: true, tasks, axisTicks, lines, xLabels, yLabels, ...(background ? { background } : {}) };
        },
        { source, theme: options.theme ?? "default" },
      );
    },
    close: () => browser.close(),
  };
}

/** Checks many diagrams in one browser, then closes it. */
export async function checkMermaidDiagrams(sources: readonly string[]): Promise<MermaidResult[]> {
  const checker = await openMermaidChecker();
  try {
    return await checker.check(sources);
  } finally {
    await checker.close();
  }
}

/** The ```mermaid blocks of a Markdown text. */
export function extractMermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^(`{3,})mermaid\n([\s\S]*?)\n\1$/gm)].map((m) => m[2]!);
}
