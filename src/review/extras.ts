/**
 * What the timeline and routing layers add to each reviewed Canary: the summary figures (strategy,
 * time to promote, worst-case rollback) and the collapsible sections of the comment (timeline with
 * its picture, metric queries, generated resources, and how they change between base and head).
 * Pure.
 */
import type { ControllerSettings } from "../canary/settings.js";
import { code, codeBlock, formatDuration, plural, sanitize } from "../report/markdown.js";
import { rankVerdict, verdictOf, type CanarySection, type CanarySummary } from "../report/comment.js";
import { REVIEW_LIMITS } from "../limits.js";
import { diffGeneratedResources, type ResourceDiff } from "../routing/diff.js";
import { generateRoutingResources } from "../routing/index.js";
import type { GeneratedRouting, RouteWeights } from "../routing/types.js";
import { renderResourcesYaml } from "../routing/yaml.js";
import { buildMetricQueries, renderMetricQueriesMarkdown } from "../timeline/queries.js";
import { renderTimelineMarkdown } from "../timeline/render-markdown.js";
import { simulateRollout } from "../timeline/simulate.js";
import type { Timeline } from "../timeline/types.js";
import type { CanaryChange, ReviewModel } from "./review.js";

export interface CanaryExtras {
  summary?: CanarySummary;
  sections: CanarySection[];
}

/**
 * Section priorities: lower survives longer when the comment must be cut (report/budget.ts). The
 * timeline says what will happen; the diff says what changes in the cluster; full resources and
 * queries are reference material.
 */
const PRIORITY = { timeline: 5, diff: 6, queries: 7, resources: 8 } as const;

export interface ReviewExtras {
  byCanary: Map<string, CanaryExtras>;
  /** Said in the comment when some Canaries got only their summary figures. */
  notes: string[];
}

/**
 * Sections for the Canaries that need attention first (errors, then warnings, in the comment's
 * order), up to REVIEW_LIMITS.canariesWithSections; the others get their summary figures only.
 */
export function buildReviewExtras(params: { model: ReviewModel; settings: ControllerSettings }): ReviewExtras {
  const byCanary = new Map<string, CanaryExtras>();
  const ranked = [...params.model.canaries].sort((a, b) => rankVerdict(verdictOf(a)) - rankVerdict(verdictOf(b)));
  const limit = REVIEW_LIMITS.canariesWithSections;
  ranked.forEach((change, index) => {
    byCanary.set(change.key, index < limit ? buildCanaryExtras({ change, settings: params.settings }) : buildCanarySummary({ change, settings: params.settings }));
  });
  const notes =
    ranked.length > limit
      ? [`Timelines and generated resources are shown for ${limit} of the ${ranked.length} Canaries (errors and warnings first); run \`canary-bot review\` locally for all of them.`]
      : [];
  return { byCanary, notes };
}

/** The summary figures alone. */
function buildCanarySummary(params: { change: CanaryChange; settings: ControllerSettings }): CanaryExtras {
  const head = params.change.status === "removed" || params.change.status === "unreadable" ? undefined : params.change.head?.resolved;
  return head ? { summary: summarize(simulateRollout({ resolved: head, settings: params.settings })), sections: [] } : { sections: [] };
}

export function buildCanaryExtras(params: { change: CanaryChange; settings: ControllerSettings }): CanaryExtras {
  const { change, settings } = params;
  // A removed or unreadable Canary has no new version to simulate or generate.
  const head = change.status === "removed" || change.status === "unreadable" ? undefined : change.head?.resolved;
  const base = change.base?.resolved;
  if (!head) return { sections: [] };

  const timeline = simulateRollout({ resolved: head, settings });
  const baseTimeline = base ? simulateRollout({ resolved: base, settings }) : undefined;
  const sections: CanarySection[] = [];

  sections.push({
    title: `Rollout timeline: ${sanitize(timeline.strategyDescription)}`,
    body: [compareFigures(timeline, baseTimeline), renderTimelineMarkdown(timeline)].filter(Boolean).join("\n\n"),
    priority: PRIORITY.timeline,
    label: `timeline of ${change.key}`,
  });

  // Session affinity, mirroring and A/B routes exist only after a SetRoutes (flagger-routing.md
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
      title: diffs.length === 0 ? "Generated resources: no change" : `Generated resources: ${plural(diffs.length, "object")} change`,
      body: diffs.length === 0 ? "Flagger will generate the same objects as before this change." : diffs.map(renderDiff).join("\n\n"),
      priority: PRIORITY.diff,
      label: `resource diffs of ${change.key}`,
    });
  }

  sections.push({
    title: `Generated resources (${plural(headInit.resources.length, "object")})`,
    body: renderGenerated(headInit, headDuring, during),
    priority: PRIORITY.resources,
    label: `generated resources of ${change.key}`,
  });

  const queries = buildMetricQueries({ resolved: head, settings });
  if (queries.length > 0) {
    sections.push({
      title: `Metric queries (${queries.length})`,
      body: renderMetricQueriesMarkdown(queries),
      priority: PRIORITY.queries,
      label: `metric queries of ${change.key}`,
    });
  }

  return { summary: summarize(timeline), sections };
}

export function summarize(timeline: Timeline): CanarySummary {
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
  if (base.strategyDescription !== head.strategyDescription) lines.push(`- Strategy: ${sanitize(base.strategyDescription)} → **${sanitize(head.strategyDescription)}**`);
  return lines.length > 0 ? `Compared with the base branch:\n${lines.join("\n")}` : "";
}

interface LabelledDiff extends ResourceDiff {
  state: string;
}

function labelDiffs(diffs: readonly ResourceDiff[], state: string): LabelledDiff[] {
  return diffs.map((d) => ({ ...d, state }));
}

function renderDiff(diff: LabelledDiff): string {
  return `${code(`${diff.kind}/${diff.name}`)} ${diff.change} (${sanitize(diff.state)})\n\n${codeBlock("diff", diff.patch)}`;
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
  if (init.notes.length > 0) parts.push(init.notes.map((n) => `- ${sanitize(n)}`).join("\n"));
  parts.push(`As Flagger creates them (provider ${code(init.provider)}):\n\n${codeBlock("yaml", renderResourcesYaml(init.resources))}`);
  if (during && routes) {
    // Only the objects a SetRoutes rewrites differ from the created ones; print just those.
    const created = new Map(init.resources.map((r) => [`${r.kind}/${r.metadata.name}`, JSON.stringify(r)]));
    const changed = during.resources.filter((r) => created.get(`${r.kind}/${r.metadata.name}`) !== JSON.stringify(r));
    if (changed.length > 0) parts.push(`On the first traffic step (${sanitize(describeRoutes(routes))}):\n\n${codeBlock("yaml", renderResourcesYaml(changed))}`);
  }
  return parts.join("\n\n");
}
