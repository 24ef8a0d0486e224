/**
 * `npm run bench -- commands`: the slash-command parser on hostile comments of GitHub's largest
 * size (65,536 characters), against marked's lexer reading the same text in the same run (a real
 * Markdown tokenizer; the ratio says whether our line scan costs more than reading the comment),
 * and at a quarter of that size (the per-character cost should not grow: the scan is linear).
 */
import { marked } from "marked";
import { parseCommands } from "../src/commands/parse.js";
import { time } from "./measure.js";

const MAX = 65_536;

const SHAPES: Record<string, (size: number) => string> = {
  "backtick runs of every length": (size) => Array.from({ length: size / 10 }, (_, i) => "`".repeat((i % 50) + 1) + "a").join("\n").slice(0, size),
  "list items opening fences": (size) => "- ```\n".repeat(size / 5).slice(0, size),
  "a quote of many lines": (size) => "> a\n".repeat(size / 4).slice(0, size),
  "containers, spans and comments mixed": (size) => Array.from({ length: size / 8 }, (_, i) => ["- a `b", "  <!--", "> ```", "    ~~~", "/canary refresh"][i % 5]).join("\n").slice(0, size),
  "an ordinary review comment": (size) => "Looks good to me, see `podinfo` below.\n\n```yaml\nstepWeight: 10\n```\n\n/canary promote\n\n> quoted /canary rollback\n\n".repeat(size / 90).slice(0, size),
};

export async function benchCommands(print: (line: string) => void): Promise<void> {
  for (const [name, build] of Object.entries(SHAPES)) {
    const full = build(MAX);
    const quarter = build(MAX / 4);
    const parse = time(() => void parseCommands(full), { runs: 15, warmup: 5 });
    const lexer = time(() => void marked.lexer(full, { gfm: true }), { runs: 15, warmup: 5 });
    const small = time(() => void parseCommands(quarter), { runs: 15, warmup: 5 });
    const growth = parse.medianMs / full.length / (small.medianMs / quarter.length);
    print(
      `${name}: parseCommands ${parse.medianMs.toFixed(1)} ms on ${full.length} characters = ${(parse.medianMs / lexer.medianMs).toFixed(2)}x marked.lexer ` +
        `(${lexer.medianMs.toFixed(1)} ms); cost per character at 64 KiB / at 16 KiB = ${growth.toFixed(2)} (1 is linear)`,
    );
  }
}
