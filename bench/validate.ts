import type { BenchSection } from "./measure.js";

/** Placeholder until this benchmark is written. */
export const benchValidate: BenchSection = async (print) => {
  print("(not measured yet)");
};
