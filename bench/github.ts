import type { BenchSection } from "./measure.js";

/** Placeholder until this benchmark is written. */
export const benchGithub: BenchSection = async (print) => {
  print("(not measured yet)");
};
