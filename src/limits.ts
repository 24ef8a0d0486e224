/**
 * Every limit canary-bot applies, in one place (STYLE.md §12). A limit protects a resource (time,
 * memory, a GitHub quota); the comment next to it says which and where the number comes from.
 */

/**
 * How far V8 lets the heap grow past what the last full collection kept, for the one-shot commands
 * (validate, review, timeline, generate; not `serve`): 10% instead of V8's own factor, which lets a
 * review of 10,000 changed Canaries hold 460–510 MiB at its peak for about 160 MiB of live data.
 * With 10% it peaked at 354–356 MiB in the same time (23.3 s; `npm run bench -- review-process`,
 * docs/performance.md): more frequent full collections, run concurrently on the other core.
 */
export const CLI_HEAP_GROWING_PERCENT = 10;

export const INPUT_LIMITS = {
  /**
   * A file larger than this is not parsed; it becomes one FILE_TOO_LARGE finding. It bounds the
   * time and memory of one file, not a repository: documents are read one at a time and only
   * Flagger objects keep their syntax trees (canary/parse.ts), so a rendered multi-document stream
   * (kustomize build, helm template) of 10,000 Canaries with their Deployments and autoscalers,
   * 23 MiB, is read whole. Measured (docs/performance.md, `npm run bench -- stream`): that stream
   * validates in the time of one parse of it (1.0x) with 336 MiB peak memory, half of what
   * parseAllDocuments alone holds; 64 MiB is then about 1 GiB and a minute of a slow machine.
   */
  manifestBytes: 64 * 1024 * 1024,
  /**
   * A single YAML document larger than this is not converted or validated (DOCUMENT_TOO_LARGE):
   * the API server refuses request bodies over 3 MiB (kube-apiserver MaxRequestBodyBytes) and etcd
   * objects over 1.5 MiB, so such a document can never be applied; a Canary is a few KiB.
   */
  documentBytes: 3 * 1024 * 1024,
  /**
   * Documents read from one file; the rest become one finding. Large enough for rendered streams
   * (10,000 apps × Canary, Deployment, autoscaler, Service … is 40,000–60,000 documents); each
   * document costs its own parse, so this bounds the work of one file with manifestBytes.
   */
  documentsPerFile: 100_000,
  /** Alias expansions per document before it is treated as an alias bomb (yaml's own default). */
  aliasExpansions: 100,
  /** Nesting depth of a YAML document; deeper documents are not converted (stack safety). */
  nestingDepth: 200,
  /** Findings kept per file; a last finding says how many more there were. */
  findingsPerFile: 500,
  /**
   * Manifest files listed by one folder walk of the CLI (and one git tree of `review`). A path
   * costs ~200 bytes; the bound is for runaway walks (a home folder), far above 10,000 apps laid
   * out one object per file (20,000–40,000 files).
   */
  filesPerWalk: 500_000,
  /**
   * Bytes of manifests read by one CLI run. What stays in memory is proportional to what is read
   * (the text and plain data of every document; syntax trees are dropped): measured at 12–14 bytes
   * of peak RSS per byte of manifests (10,000 Canaries: 23 MiB read, 324 MiB peak), so 128 MiB —
   * five times that repository — needs about 1.7 GiB, within V8's default heap on a 64-bit machine
   * with 8 GiB or more. A run over it stops with a usage error naming the limit.
   */
  bytesPerRun: 128 * 1024 * 1024,
} as const;

export const SIMULATION_LIMITS = {
  /**
   * Ticks simulated per scenario. Flagger itself has no cap; a spec that would run longer is
   * reported as not finishing within this horizon (a stall).
   */
  maxTicks: 2_000,
} as const;

export const TIMELINE_RENDER_LIMITS = {
  /** Rows of a timeline table; a longer run keeps its beginning and end (a 1% ladder has 100+ ticks). */
  tableRows: 40,
  /** Bars per section of the Mermaid gantt chart: beyond a few dozen GitHub draws them unreadably thin. */
  mermaidBars: 30,
  /**
   * Points of the weight line chart. A 50-step rollout keeps one point per tick; a 2,000-tick run
   * is sampled, because GitHub draws the chart about 700 px wide: more points than pixels add nothing.
   */
  chartPoints: 120,
} as const;

export const BUILD_LIMITS = {
  /**
   * Seconds one `kustomize build` may run. A local build of a few hundred objects takes well under
   * a second; a build that waits longer is stuck (e.g. on a remote base it tries to clone), and a
   * review must not wait on it: the root falls back to its raw files with a note.
   */
  kustomizeSeconds: 60,
  /** Bytes of kustomize output read from one build (the rendered objects of one root). */
  kustomizeOutputBytes: 64 * 1024 * 1024,
  /** Build roots built per revision; beyond this the rest are reviewed as raw files, with a note. */
  rootsPerRevision: 500,
} as const;

export const REVIEW_LIMITS = {
  /**
   * Canaries whose sections (timeline, resources, diffs, queries) are built for one comment. One
   * timeline section alone is ~2,500 characters, so no more than a few dozen can fit in the 60,000
   * of a comment; building them for the other Canaries of a 1,000-Canary PR is wasted work. Every
   * Canary still gets its summary row and figures.
   */
  canariesWithSections: 40,
} as const;

export const REPORT_LIMITS = {
  /**
   * Rows of the comment's summary table. Each row is ~120 characters, so 500 rows would take the
   * whole comment; the check run's summary lists every Canary.
   */
  summaryRows: 60,
  /** Characters kept free for the note that says what the comment left out (its largest size). */
  omissionNoteChars: 2_500,
  /** Canaries named in that note; the rest are counted. */
  omissionNoteNames: 10,
} as const;

export const GITHUB_LIMITS = {
  /**
   * Our budget for the sticky comment. GitHub rejects bodies over 65,536 characters ("Body is too
   * long"); changesets/action and Renovate keep about 60,000 to leave room for edits.
   */
  commentChars: 60_000,
  /** What GitHub accepts for a comment body at all ("Body is too long" beyond). */
  commentBodyChars: 65_536,
  /**
   * Each section drawn from the store after the review (Promotion, Approvals): a few dozen table
   * rows; the review's own budget leaves 5,536 characters for them before GitHub's limit.
   */
  storedSectionChars: 2_500,
  /**
   * Gate prompts shown above the review ("podinfo in staging is waiting for promotion …"), each one
   * line of about 150 characters; more are counted, and the Approvals section lists every gate.
   */
  gatePromptsShown: 5,
  /** Check run output.summary and output.text: 65,535 characters each (GitHub REST checks API). */
  checkOutputChars: 65_535,
  /** Annotations per checks create/update request (GitHub REST checks API). */
  annotationsPerRequest: 50,
  /** Annotation title: 255 characters (GitHub REST checks API). */
  annotationTitleChars: 255,
  /** Annotation message and raw_details: 64 KB each (GitHub REST checks API). */
  annotationMessageChars: 64 * 1024,
  /** Annotations we send per check run in total; the summary says when more were found. */
  annotationsPerCheckRun: 500,
  /**
   * Blobs fetched in one GraphQL request (each is an aliased `object(expression:)` field, one node
   * of the 500,000 a query may touch). Large enough that a pull request changing 100 Canaries, with
   * their base versions and their neighbours, is one request; the bytes below bound the response
   * so that it stays well inside GraphQL's 10 s timeout (github/docs "rate-limits-and-query-limits-
   * for-the-graphql-api"). A batch that still fails with a 5xx is split in two and read again.
   */
  blobsPerGraphqlRequest: 500,
  /**
   * Times a failing (5xx) GraphQL blob batch is halved and read again: a slow batch gets smaller
   * requests, a GraphQL outage at most 1 + 2 + 4 failing requests before the job retries later.
   */
  blobBatchSplits: 2,
  /** Bytes of blobs (known sizes from the tree listing) asked for in one GraphQL request. */
  blobBytesPerGraphqlRequest: 4 * 1024 * 1024,
  /**
   * Unchanged manifests read per pull request to resolve references (the "neighbourhood" rule in
   * docs/github-app.md). Bounds the GraphQL requests of a review in a huge repository.
   */
  contextFilesPerReview: 1_000,
  /** Review attempts of one event when GitHub answers with a rate limit or a server error. */
  reviewAttempts: 3,
  /** Longest wait before another review attempt; a longer `retry-after` gives up and reports. */
  retryDelaySeconds: 120,
  /** Bytes of manifests read per pull request, base and head together. */
  bytesPerReview: 32 * 1024 * 1024,
  /** `pulls.listFiles` returns at most 3,000 files (GitHub REST pulls API). */
  pullRequestFiles: 3_000,
  /**
   * Distinct files (blobs) read to build both revisions with kustomize (docs/github-app.md, "What
   * the App reads for the build"). At 500 blobs per GraphQL request this bounds the build's reads
   * to 10 requests; a repository with more is reviewed as raw files, with a note.
   */
  buildFilesPerReview: 5_000,
} as const;

export const HTTP_LIMITS = {
  /** Largest request body accepted by our own routes (DESIGN.md: over 1 MiB is a 4xx). */
  requestBodyBytes: 1024 * 1024,
  /**
   * Largest webhook delivery read before the signature check. GitHub does not deliver payloads
   * over 25 MB (github/docs "webhook-events-and-payloads", payload cap), so anything larger is not
   * from GitHub.
   */
  webhookBodyBytes: 25 * 1024 * 1024,
  /**
   * Webhook body bytes read at once, all requests together. A body is unauthenticated until it is
   * whole (the signature covers all of it); without this bound, twenty 24 MB forged bodies held
   * 480 MB (issue 10). Real deliveries are mostly under 100 KB, so one maximal body at a time is
   * plenty; over the budget the answer is 503.
   */
  webhookBytesInFlight: 32 * 1024 * 1024,
  /**
   * On SIGTERM, how long in-flight deliveries and queued reviews may run before the process exits.
   * GitHub gives a delivery 10 s; Kubernetes' default terminationGracePeriodSeconds is 30.
   */
  shutdownGraceMs: 20_000,
} as const;

export const CONFIG_LIMITS = {
  /** Size of `.github/canary-bot.yml`; a real one is well under 10 KiB. */
  bytes: 64 * 1024,
  /**
   * Globs compile to regular expressions, which backtrack on several `*` in one segment against a
   * long name (src/config/glob.ts): three `*` per segment and a 255-character segment bound one
   * match to a few million steps. 255 is the usual file-name limit of file systems; 1,024 covers
   * any real repository path.
   */
  glob: { patternChars: 256, starsPerSegment: 3, pathChars: 1024, segmentChars: 255 },
} as const;

export const STORE_LIMITS = {
  /** PostgreSQL connections per process: the job runner, the webhook path and /metrics share them. */
  poolSize: 10,
  /**
   * Delivery ids kept for de-duplication. GitHub lets a person redeliver a delivery for 3 days
   * (github/docs "redelivering-webhooks"); older ids are forgotten.
   */
  deliveryRetentionMs: 3 * 24 * 3600 * 1000,
  /**
   * The notification connection (Store.listen) is checked with a query this often; one left
   * unanswered for a whole period ends it. Until then a cut connection (a partition, no reset)
   * leaves the gate's memory (src/cluster/gate-inputs.ts) late to learn of a write: it may keep a
   * gate closed a little longer, but never opens one from memory for longer than
   * GATE_LIMITS.openFromMemoryMs, since the syncs that prove it recent stop coming back.
   */
  listenCheckMs: 5_000,
  /** Reconnecting the notification connection: doubling from the first wait up to the longest. */
  listenRetryMs: { first: 250, max: 10_000 },
} as const;

export const QUEUE_LIMITS = {
  /** How often an idle runner looks for due jobs (a webhook on this process wakes it at once). */
  pollMs: 1_000,
  /**
   * A running job's lease, renewed every third of it. A process that dies holds its jobs this
   * long before another process takes them over.
   */
  leaseMs: 30_000,
  /** Retry back-off: doubling from 5 s, at most 5 minutes between attempts (minutes, not hours). */
  retry: { baseMs: 5_000, capMs: 5 * 60_000 },
  /** Attempts of one review job before its check says it gave up (about 20 minutes of retries). */
  reviewAttempts: 8,
  /**
   * A rate limit whose reset is further away than this is not waited for in the job: the job is
   * rescheduled for the reset (capped by `retry.capMs`) and the check says when.
   */
  inlineWaitMs: 10_000,
} as const;

export const CLUSTER_LIMITS = {
  /** Flagger's checksum is a short FNV hash (`85d557f47b`); anything much longer is not one. */
  checksumChars: 256,
  /** Characters of a Flagger event message kept in a record (messages quote errors of any length). */
  eventMessageChars: 1_000,
  /**
   * Runs remembered per Canary. The gate asks "was this revision promoted there?", and a
   * production PR usually carries one of the last few staging revisions.
   */
  runsPerRecord: 20,
  /** Merged revisions remembered per Canary, for attributing push-only runs (DESIGN.md "Cluster status"). */
  mergesPerRecord: 20,
  /** Images of one workload: a pod has a handful of containers; more is not a workload we gate on. */
  imagesPerWorkload: 64,
  /** Entries per page when listing Canaries: the API server's recommended chunk size (client-go uses 500). */
  listPageSize: 500,
  /** First and longest wait before the watcher reconnects; doubled per failure, reset after a good watch. */
  watchBackoffInitialMs: 1_000,
  watchBackoffMaxMs: 60_000,
  /**
   * The watcher re-lists this often even when the watch is healthy, like client-go informers'
   * resync: a missed event cannot keep a record stale for longer than this.
   */
  resyncMs: 10 * 60_000,
  /** Server-side timeout asked for each watch request (client-go picks 5–10 minutes at random). */
  watchTimeoutSeconds: 300,
  /**
   * Observations (Flagger events, watched statuses) applied in one ingestion transaction (group
   * commit, src/cluster/batcher.ts): those that arrive while a batch commits wait for it and go in
   * the next one, with no timer (a lone event is never held back). The bound keeps a transaction
   * short (it holds its Canaries' locks, and every event of the batch waits for its answer) and its
   * statements small: a parsed event is at most ~1.5 KB (messages are cut to eventMessageChars), so
   * a batch is a few hundred KB of JSON. 16 in flight (bench/gate.ts) fill about 15 per batch.
   */
  ingestBatchObservations: 256,
  /**
   * Ingestion transactions of one process at a time. One keeps a process's batches from contending
   * for each other's Canary locks and is enough on PostgreSQL (docs/performance.md: a batch costs
   * a handful of round trips whatever its size); PGlite runs one transaction at a time anyway.
   */
  ingestBatchesInFlight: 1,
  /**
   * Promotion records an ingesting process keeps in memory (src/store/ingest-batch.ts RecordCache):
   * a batch then reads back only the versions of records it wrote last, not their JSON (a record
   * is ~3.5 KB of JSON, ~1 ms of a 16-record read). A record holds at most runsPerRecord runs and
   * mergesPerRecord merges, so 1,000 is a few tens of MB at most; it covers every Canary of a large
   * fleet rolling out at once, and a record that fell out is simply read again.
   */
  cachedRecords: 1_000,
  /**
   * Runs of one ingestion transaction that failed with a deadlock or serialization error (or a
   * version conflict with a writer outside the lock) before its events answer 500 (Flagger logs it).
   */
  ingestBatchAttempts: 8,
} as const;

export const GATE_LIMITS = {
  /**
   * A commit status `description`: GitHub answers 422 "description is too long (maximum is 140
   * characters)"; the OpenAPI description does not state the limit.
   */
  commitStatusDescriptionChars: 140,
  /**
   * Canaries × hooks whose gate inputs one process remembers (src/cluster/gate-inputs.ts); past
   * it the memory starts over. An entry is a run and a few approvals (~2 KiB): 10,000 are ~20 MiB,
   * for 2,500 Canaries polling all four hooks.
   */
  rememberedGateInputs: 10_000,
  /**
   * How late a gate opened from memory on PostgreSQL may be to see a write that closes it (a new
   * run, a push, a voided approval): the memory is proven to hold every write committed before a
   * sync notification it sent and got back (StoreSubscription.sync), renewed every quarter of this
   * while gate calls come; older than this, a 200 waits for a confirming query instead
   * (src/cluster/gate-inputs.ts says why a bound is enough). Flagger calls a gate once per tick (at
   * least 10 s apart) and the store learns of runs and pushes seconds after they happen. In
   * `npm run bench -- gates` on PostgreSQL all but the first dozen 200s came from memory, idle and
   * during a review (docs/performance.md).
   */
  openFromMemoryMs: 250,
  /**
   * Gate calls are stored in batches (gate_calls), at most `callWriteMs` after they were answered:
   * the answer never waits on a write. A crash loses at most that window of the audit trail, never
   * an approval (command jobs write those; the approval a call consumed is marked in the same
   * batch); shutdown flushes (main.ts). On PGlite, which writes on the server's own thread, a
   * statement costs about as much as 50–100 of its rows: at 10 ms the batches were small and the
   * writes took half of what the route cost under load, at 50 ms a sixth (npm run bench -- gates).
   */
  callWriteMs: 50,
  /**
   * Gate calls per batch statement; a full batch is written at once. It bounds how long one write
   * holds PGlite's thread (~20 µs a row: 4 ms), which every request arriving meanwhile waits for.
   */
  callWriteBatch: 200,
} as const;
