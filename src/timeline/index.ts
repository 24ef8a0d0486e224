export * from "./types.js";
export { simulateRollout } from "./simulate.js";
export { buildStrategyPlan, describeStrategy, detectStrategy, nextStepWeight, type StrategyPlan } from "./strategy.js";
