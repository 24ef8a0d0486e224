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

/** One browser for many diagrams; call `close()` when done. */
export async function openMermaidChecker(): Promise<{ check(sources: readonly string[]): Promise<MermaidResult[]>; close(): Promise<void> }> {
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
