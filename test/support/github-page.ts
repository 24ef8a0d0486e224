/**
 * A pull request comment as GitHub shows it, in real headless Chromium: the Markdown rendered by a
 * GFM parser (marked), GitHub's own stylesheet (github-markdown-css, light or dark), the comment
 * column's 780 px, GitHub's alert boxes for `> [!NOTE]`, and every ```mermaid block drawn by
 * Mermaid itself. Used to measure the layout (tables must not scroll sideways) and to take the
 * screenshots in docs/screenshots.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { marked } from "marked";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_PATH } from "./mermaid.js";

const require = createRequire(import.meta.url);
const MERMAID_JS = require.resolve("mermaid/dist/mermaid.min.js");
const CSS = {
  light: readFileSync(require.resolve("github-markdown-css/github-markdown-light.css"), "utf8"),
  dark: readFileSync(require.resolve("github-markdown-css/github-markdown-dark.css"), "utf8"),
};
/** The width of a comment's body on a pull request page (github.com, desktop layout). */
export const COMMENT_WIDTH = 780;
const BACKGROUND = { light: "#ffffff", dark: "#0d1117" };

export type Theme = "light" | "dark";

/** GFM to HTML, with GitHub's alert boxes, which marked leaves as quotes. */
export function renderGitHubHtml(markdown: string): string {
  const html = marked.parse(markdown, { gfm: true, async: false }) as string;
  return html.replace(/<blockquote>\n<p>\[!(NOTE|WARNING|TIP|IMPORTANT|CAUTION)\]\n?/g, (_, kind: string) => {
    const title = kind[0] + kind.slice(1).toLowerCase();
    return `<blockquote class="markdown-alert markdown-alert-${kind.toLowerCase()}">\n<p class="markdown-alert-title">${title}</p><p>`;
  });
}

export interface CommentLayout {
  /** Tables wider than the column: they would scroll sideways. */
  overflowingTables: Array<{ scrollWidth: number; clientWidth: number; firstCell: string }>;
  /** Mermaid blocks that failed to render. */
  diagramErrors: string[];
  diagrams: number;
  height: number;
}

export interface GitHubPage {
  /** Renders a comment; `open` expands every <details> (to show or measure what is inside). */
  show(markdown: string, options?: { theme?: Theme; open?: boolean }): Promise<CommentLayout>;
  screenshot(path: string): Promise<void>;
  /** The rendered comment's text as a reader sees it, in reading order. */
  visibleText(): Promise<string>;
  close(): Promise<void>;
}

export async function openGitHubPage(): Promise<GitHubPage> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page: Page = await browser.newPage({ viewport: { width: COMMENT_WIDTH + 32, height: 800 }, deviceScaleFactor: 1 });
  return {
    async show(markdown, options = {}) {
      const theme = options.theme ?? "light";
      const body = renderGitHubHtml(markdown);
      await page.setContent(
        `<!doctype html><html><head><meta charset="utf-8"><style>${CSS[theme]}
         body { margin: 0; padding: 16px; background: ${BACKGROUND[theme]}; }
         .markdown-body { box-sizing: border-box; width: ${COMMENT_WIDTH}px; padding: 16px; border: 1px solid ${theme === "light" ? "#d0d7de" : "#30363d"}; border-radius: 6px; }
         .markdown-body .mermaid { display: flex; justify-content: center; margin-bottom: 16px; }
         </style></head><body><div class="markdown-body">${body}</div></body></html>`,
      );
      await page.addScriptTag({ content: readFileSync(MERMAID_JS, "utf8") });
      return page.evaluate(
        async ({ theme, open }) => {
          // The page's DOM, typed as far as used here (the project compiles without lib "dom").
          interface El {
            textContent: string | null;
            scrollWidth: number;
            clientWidth: number;
            open: boolean;
            innerHTML: string;
            className: string;
            replaceWith(e: El): void;
            querySelector(s: string): El | null;
          }
          const dom = globalThis as unknown as {
            document: { querySelectorAll(s: string): ArrayLike<El> & Iterable<El>; createElement(t: string): El; body: { scrollHeight: number } };
            mermaid: { initialize(c: object): void; render(id: string, s: string): Promise<{ svg: string }> };
          };
          dom.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: theme === "dark" ? "dark" : "default" });
          if (open) for (const d of dom.document.querySelectorAll("details")) d.open = true;
          const diagramErrors: string[] = [];
          let n = 0;
          for (const code of [...dom.document.querySelectorAll("pre > code.language-mermaid")]) {
            const source = code.textContent ?? "";
            const holder = dom.document.createElement("div");
            holder.className = "mermaid";
            try {
              holder.innerHTML = (await dom.mermaid.render(`m${(n += 1)}`, source)).svg;
            } catch (e) {
              diagramErrors.push(String(e));
            }
            const pre = [...dom.document.querySelectorAll("pre")].find((p) => p.querySelector("code") === code);
            pre?.replaceWith(holder);
          }
          const overflowingTables = [...dom.document.querySelectorAll(".markdown-body table")]
            .filter((t) => t.scrollWidth > t.clientWidth + 1)
            .map((t) => ({ scrollWidth: t.scrollWidth, clientWidth: t.clientWidth, firstCell: (t.querySelector("td")?.textContent ?? "").slice(0, 60) }));
          return { overflowingTables, diagramErrors, diagrams: n, height: dom.document.body.scrollHeight };
        },
        { theme, open: options.open ?? false },
      );
    },
    async screenshot(path) {
      await page.screenshot({ path, fullPage: true });
    },
    async visibleText() {
      return page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText);
    },
    close: () => browser.close(),
  };
}
