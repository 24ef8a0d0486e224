/**
 * The seed and the run multiplier of the property tests that compare our Markdown with a GFM
 * renderer (marked): `npm test` draws the same cases every time, so that CI's verdict is the
 * code's, not a draw's. A long search for counterexamples uses fresh seeds and more runs:
 * `PROPERTY_SEED=random PROPERTY_RUNS=10 npx vitest run <file>`; each counterexample found so
 * becomes an example test. The seed in use is printed with a failure by fast-check.
 */
export const PROPERTY_RUNS = Math.max(1, Number(process.env.PROPERTY_RUNS ?? 1) || 1);

export function propertySeed(fixed: number): number {
  return process.env.PROPERTY_SEED === "random" ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.PROPERTY_SEED ?? fixed);
}
