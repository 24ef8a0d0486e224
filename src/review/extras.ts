/**
 * What the timeline and routing layers add to each reviewed Canary: the summary figures (strategy,
 * time to promote, worst-case rollback) and the collapsible sections of the comment (timeline with
 * its picture, metric queries, generated resources, and how they change between base and head).
 * Pure.
 */
import type { CanaryAnalysis } from "../canary/crd.js";
import type { ControllerSettings } from "../canary/settings.js";
import { details, formatDuration, plural } from "../markdown/blocks.js";
import { codeBlock, codeSpan, escapeText } from "../markdown/escape.js";
import { linkFlaggerSources } from "../markdown/flagger-source.js";
import { findApiServerRejection, rankForReader, type CanaryExtrasView, type CanarySection, type CanarySummary } from "../report/comment.js";
import { REVIEW_LIMITS } from "../limits.js";
import { diffGeneratedResources, type ResourceDiff } from "../routing/diff.js";
import { generateRoutingResources } from "../routing/index.js";
import type { GeneratedRouting, RouteWeights } from "../routing/types.js";
import { renderResourcesYaml } from "../routing/yaml.js";
import { buildMetricQueries, renderMetricQueriesMarkdown } from "../timeline/queries.js";
import { renderTickTable, renderTimelineMarkdown } from "../timeline/render-markdown.js";
import { simulateRollout } from "../timeline/simulate.js";
import type { Timeline } from "../timeline/types.js";
import type { CanaryChange, ReviewModel } from "./review.js";

export type CanaryExtras = CanaryExtrasView;

export interface ReviewExtras {
  byCanary: Map<string, CanaryExtras>;
  /** Kept for callers; what was not computed is said by the comment's note (sectionsSkipped). */
  notes: string[];
}

/**
 * Sections for the Canaries that need attention first (the comment's order: errors, warnings,
 * loosened policy, the rest), up to REVIEW_LIMITS.canariesWithSections; the others get their
 * summary figures only, marked `sectionsSkipped` so that the comment says so.
 */
export function buildReviewExtras(params: { model: ReviewModel; settings: ControllerSettings }): ReviewExtras {
  const byCanary = new Map<string, CanaryExtras>();
  const ranked = [...params.model.canaries].sort((a, b) => rankForReader(a) - rankForReader(b));
  const limit = REVIEW_LIMITS.canariesWithSections;
  ranked.forEach((change, index) => {
    byCanary.set(change.key, index < limit ? buildCanaryExtras({ change, settings: params.settings }) : withSectionsSkipped(buildCanarySummary({ change, settings: params.settings })));
  });
  return { byCanary, notes: [] };
}

/**
 * One literal per shape, not a spread and an added key: V8 gives each object made that way a
 * hidden class of its own (about 350 bytes), and a review of 10,000 Canaries makes 10,000.
 */
function withSectionsSkipped(extras: CanaryExtras): CanaryExtras {
  return extras.summary !== undefined ? { summary: extras.summary, sections: extras.sections, sectionsSkipped: true } : { sections: extras.sections, sectionsSkipped: true };
}

/** The summary figures alone. */
function buildCanarySummary(params: { change: CanaryChange; settings: ControllerSettings }): CanaryExtras {
  const { change, settings } = params;
  const head = change.status === "removed" || change.status === "unreadable" ? undefined : change.head?.resolved;
  if (!head) return { sections: [] };
  const rejected = findApiServerRejection(change.head?.findings ?? []);
  if (rejected) return { summary: { rejected }, sections: [] };
  return { summary: summarize(simulateRollout({ resolved: head, settings }), baseTimeline(change, settings)), sections: [] };
}

function baseTimeline(change: CanaryChange, settings: ControllerSettings): Timeline | undefined {
  const base = change.base;
  if (!base || findApiServerRejection(base.findings)) return undefined;
  return simulateRollout({ resolved: base.resolved, settings });
}

export function buildCanaryExtras(params: { change: CanaryChange; settings: ControllerSettings }): CanaryExtras {
  const { change, settings } = params;
  // A removed or unreadable Canary has no new version to simulate or generate.
  const head = change.status === "removed" || change.status === "unreadable" ? undefined : change.head?.resolved;
  if (!head) return { sections: [] };
  const rejected = findApiServerRejection(change.head?.findings ?? []);
  if (rejected) return { summary: { rejected }, sections: [] };
  const base = change.base && !findApiServerRejection(change.base.findings) ? change.base.resolved : undefined;

  const timeline = simulateRollout({ resolved: head, settings });
  const before = base ? simulateRollout({ resolved: base, settings }) : undefined;
  const sections: CanarySection[] = [];

  // Session affinity, mirroring and A/B routes exist only after a SetRoutes (docs/flagger-routing.md
  // §4.6, §8), so the resources are shown as created and as they are on the first traffic step.
  const during = firstTrafficStep(timeline);
  const headInit = forComment(generateRoutingResources({ resolved: head, settings }));
  const headDuring = during ? forComment(generateRoutingResources({ resolved: head, settings, routes: during })) : undefined;
  if (base) {
    const initDiffs = labelDiffs(diffGeneratedResources({ base: forComment(generateRoutingResources({ resolved: base, settings })), head: headInit }), "as created");
    const duringDiffs =
      during && headDuring ? labelDiffs(diffGeneratedResources({ base: forComment(generateRoutingResources({ resolved: base, settings, routes: during })), head: headDuring }), `on the first traffic step, ${describeRoutes(during)}`) : [];
    // One diff per object: the first traffic step shows what a SetRoutes writes on top of what
    // Reconcile creates (sticky routes, mirrors), so it wins when the object changes there too.
    const duringKeys = new Set(duringDiffs.map((d) => `${d.kind}/${d.name}`));
    const diffs = [...initDiffs.filter((d) => !duringKeys.has(`${d.kind}/${d.name}`)), ...duringDiffs];
    sections.push({
      kind: "diff",
      title: diffs.length === 0 ? "Routing: no change" : `Routing: ${plural(diffs.length, "object")} change`,
      body: diffs.length === 0 ? "Flagger will generate the same objects as before this change." : diffs.map(renderDiff).join("\n\n"),
      label: `routing diff of ${change.key}`,
    });
  }

  const match = timeline.strategy === "ab-testing" ? describeMatchRules(head.canary.spec.analysis?.match ?? []) : "";
  const ticks = renderTickTable(timeline);
  sections.push({
    kind: "timeline",
    title: `Rollout timeline: ${timeline.strategyDescription}`,
    body: [
      compareFigures(timeline, before),
      match,
      renderTimelineMarkdown(timeline, { table: false }),
      details({ summary: `Tick by tick (${plural(ticks.split("\n").length - 2, "row")})`, body: ticks }),
    ]
      .filter(Boolean)
      .join("\n\n"),
    label: `timeline of ${change.key}`,
  });

  const queries = buildMetricQueries({ resolved: head, settings });
  if (queries.length > 0) {
    sections.push({ kind: "queries", title: `Metric queries (${queries.length})`, body: renderMetricQueriesMarkdown(queries), label: `metric queries of ${change.key}` });
  }
  if (change.status === "added") {
    sections.push({
      kind: "created",
      title: `What Flagger will create (${plural(headInit.resources.length, "object")})`,
      body: `${headInit.resources.map((r) => `- ${codeSpan(`${r.kind}/${r.metadata.name}`)}`).join("\n")}\n\n${codeBlock("yaml", renderResourcesYaml(headInit.resources))}`,
      label: `objects Flagger creates for ${change.key}`,
    });
  }
  // The full objects are reference material: the check run's text carries them, and `canary-bot
  // generate` prints them with their ownerReferences.
  sections.push({ kind: "resources", title: `Generated objects (${plural(headInit.resources.length, "object")})`, body: renderGenerated(headInit, headDuring, during), label: `generated objects of ${change.key}` });

  return { summary: summarize(timeline, before), sections };
}

/**
 * The A/B rule as Flagger applies it: matching requests go to the canary on every iteration,
 * the rest stay on the primary; weights do not apply.
 */
function describeMatchRules(match: NonNullable<CanaryAnalysis["match"]>): string {
  if (match.length === 0) return "";
  const rules = match.map((m) => {
    const conditions = [
      ...Object.entries(m.headers ?? {}).map(([name, rule]) => `header ${name} ${describeStringMatch(rule)}`),
      ...Object.entries(m.queryParams ?? {}).map(([name, rule]) => `query ${name} ${describeStringMatch(rule)}`),
      ...(m.sourceLabels ? [`source labels ${Object.entries(m.sourceLabels).map(([k, v]) => `${k}=${v}`).join(",")}`] : []),
    ];
    return conditions.length > 0 ? conditions.map((c) => codeSpan(c)).join(" and ") : codeSpan("(empty rule)");
  });
  return `**A/B routing**: requests matching ${rules.join(" or ")} → canary; all other requests → primary.`;
}

function describeStringMatch(rule: unknown): string {
  if (!rule || typeof rule !== "object") return "";
  return Object.entries(rule as Record<string, unknown>).map(([op, value]) => `${op} ${JSON.stringify(value)}`).join(", ");
}

export function summarize(timeline: Timeline, base?: Timeline): CanarySummary {
  const figures = summarizeOne(timeline);
  if (!base) return figures;
  const before = summarizeOne(base);
  // Written out, not spread (see withSectionsSkipped).
  return {
    strategy: figures.strategy,
    promotesIn: figures.promotesIn,
    worstCaseRollback: figures.worstCaseRollback,
    basePromotesIn: before.promotesIn,
    baseWorstCaseRollback: before.worstCaseRollback,
  };
}

function summarizeOne(timeline: Timeline): CanarySummary & { promotesIn: string; worstCaseRollback: string } {
  return {
    strategy: timeline.strategyDescription,
    promotesIn:
      timeline.minSecondsToPromotion !== null
        ? formatDuration(timeline.minSecondsToPromotion)
        : timeline.stall
          ? `never (stalls at tick ${timeline.stall.tick})`
          : "never",
    worstCaseRollback: timeline.worstCaseSecondsToRollback !== null ? formatDuration(timeline.worstCaseSecondsToRollback) : "–",
  };
}

/** The first SetRoutes of the run that sends traffic (or a mirror) to the canary. */
function firstTrafficStep(timeline: Timeline): RouteWeights | undefined {
  const tick = timeline.ticks.find((t) => t.canaryWeight > 0 || t.mirrored);
  return tick ? { primaryWeight: tick.primaryWeight, canaryWeight: tick.canaryWeight, mirrored: tick.mirrored } : undefined;
}

function describeRoutes(routes: RouteWeights): string {
  return `with primary ${routes.primaryWeight}% / canary ${routes.canaryWeight}%${routes.mirrored ? ", mirrored" : ""}`;
}

function compareFigures(head: Timeline, base: Timeline | undefined): string {
  if (!base) return "";
  const lines: string[] = [];
  const fmt = (seconds: number | null) => (seconds === null ? "never" : formatDuration(seconds));
  if (base.minSecondsToPromotion !== head.minSecondsToPromotion) lines.push(`- Time to promote: ${fmt(base.minSecondsToPromotion)} → **${fmt(head.minSecondsToPromotion)}**`);
  if (base.worstCaseSecondsToRollback !== head.worstCaseSecondsToRollback) lines.push(`- Worst-case rollback: ${fmt(base.worstCaseSecondsToRollback)} → **${fmt(head.worstCaseSecondsToRollback)}**`);
  if (base.strategyDescription !== head.strategyDescription) lines.push(`- Strategy: ${escapeText(base.strategyDescription)} → **${escapeText(head.strategyDescription)}**`);
  return lines.length > 0 ? `Compared with the base branch:\n${lines.join("\n")}` : "";
}

interface LabelledDiff extends ResourceDiff {
  state: string;
}

function labelDiffs(diffs: readonly ResourceDiff[], state: string): LabelledDiff[] {
  return diffs.map((d) => ({ ...d, state }));
}

function renderDiff(diff: LabelledDiff): string {
  return `${codeSpan(`${diff.kind}/${diff.name}`)} ${diff.change} (${escapeText(diff.state)})\n\n${codeBlock("diff", diff.patch)}`;
}

/**
 * The comment leaves out the controller ownerReference every object carries (its uid exists only
 * in the cluster) and says so once; `canary-bot generate` prints it.
 */
function forComment(generated: GeneratedRouting): GeneratedRouting {
  return {
    ...generated,
    resources: generated.resources.map((r) => {
      const { ownerReferences: _dropped, ...metadata } = r.metadata;
      return { ...r, metadata };
    }),
  };
}

function renderGenerated(init: GeneratedRouting, during: GeneratedRouting | undefined, routes: RouteWeights | undefined): string {
  const parts: string[] = ["Every object also carries a controller ownerReference to the Canary (left out here; `canary-bot generate` prints it)."];
  if (init.notes.length > 0) parts.push(init.notes.map((n) => `- ${linkFlaggerSources(escapeText(n))}`).join("\n"));
  parts.push(`As Flagger creates them (provider ${codeSpan(init.provider)}):\n\n${codeBlock("yaml", renderResourcesYaml(init.resources))}`);
  if (during && routes) {
    // Only the objects a SetRoutes rewrites differ from the created ones; print just those.
    const created = new Map(init.resources.map((r) => [`${r.kind}/${r.metadata.name}`, JSON.stringify(r)]));
    const changed = during.resources.filter((r) => created.get(`${r.kind}/${r.metadata.name}`) !== JSON.stringify(r));
    if (changed.length > 0) parts.push(`On the first traffic step (${escapeText(describeRoutes(routes))}):\n\n${codeBlock("yaml", renderResourcesYaml(changed))}`);
  }
  return parts.join("\n\n");
}
