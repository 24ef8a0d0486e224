/**
 * The GitHub-like server in a worker thread of its own, for the benchmark's latency figures: on
 * the App's event loop it would add its own work (serving 2,000 blobs) to what is measured, which
 * a real deployment, talking to a remote GitHub, does not carry. The probes of /healthz and the
 * timed deliveries are sent from this thread too: a client on the App's own event loop could not
 * see the loop blocked (it would be blocked with it). Messages: `setup` builds the repository and
 * pull request of a 1,000-Canary review; `probe` delivers it to the App and measures /healthz and
 * acknowledgements until its check run exists; `review` only delivers it and waits for its check
 * run (bench/gates.ts measures the App meanwhile); `close`.
 */
import { createHmac } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { startGitHubServer, type FakePull, type FakeRepository, type Files } from "../test/support/github-server.js";
import { generateRepository } from "./repository.js";

export interface PullAddress {
  owner: string;
  repo: string;
  installationId: number;
  defaultBranch: string;
  number: number;
  headSha: string;
  baseSha: string;
}

const address = (repository: FakeRepository, pull: FakePull): PullAddress => ({
  owner: repository.owner,
  repo: repository.repo,
  installationId: repository.installationId,
  defaultBranch: repository.defaultBranch,
  number: pull.number,
  headSha: pull.headSha,
  baseSha: pull.baseSha,
});

if (parentPort) {
  const port = parentPort;
  const github = await startGitHubServer({ checkOpenApi: false });
  let big: FakeRepository | undefined;
  let small: FakeRepository | undefined;
  let n = 0;
  const deliver = async (url: string, secret: string, repository: FakeRepository, pull: FakePull): Promise<number> => {
    const a = address(repository, pull);
    const body = JSON.stringify({
      action: "synchronize",
      number: a.number,
      pull_request: { number: a.number, head: { sha: a.headSha }, base: { sha: a.baseSha } },
      repository: { name: a.repo, full_name: `${a.owner}/${a.repo}`, owner: { login: a.owner }, default_branch: a.defaultBranch, html_url: `https://github.com/${a.owner}/${a.repo}` },
      installation: { id: a.installationId },
    });
    const start = process.hrtime.bigint();
    const response = await retryOnce(() =>
      fetch(`${url}/api/github/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` },
        body,
      }),
    );
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`delivery answered ${response.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  let bigPull: FakePull | undefined;
  port.on("message", (message: { id: number; type: "setup" | "probe" | "review" | "close"; canaries?: number; tag?: string; url?: string; secret?: string }) => {
    const reply = (value: unknown) => port.postMessage({ id: message.id, value });
    switch (message.type) {
      case "setup": {
        const base = generateRepository(message.canaries ?? 1_000);
        const head: Files = Object.fromEntries(Object.entries(base).map(([path, text]) => [path, path.endsWith("canary.yaml") ? text.replace("threshold: 5", "threshold: 4") : text]));
        big = github.addRepository({ owner: "bench", repo: `big-${message.tag}`, installationId: 1, files: base });
        small = github.addRepository({ owner: "bench", repo: `small-${message.tag}`, installationId: 2, files: {} });
        bigPull = github.openPull(big, { number: 1, base, head });
        reply({ host: github.host, baseUrl: github.baseUrl, appId: github.appId });
        break;
      }
      case "probe":
        void (async () => {
          const { url, secret } = message as { url: string; secret: string };
          const started = Date.now();
          await deliver(url, secret, big!, bigPull!);
          const health: number[] = [];
          const acks: number[] = [];
          while (big!.checkRuns.length === 0) {
            const t = process.hrtime.bigint();
            await (await retryOnce(() => fetch(`${url}/healthz`))).arrayBuffer();
            health.push(Number(process.hrtime.bigint() - t) / 1e6);
            // A delivery for a pull request that touches nothing, every few probes.
            if (health.length % 4 === 0) {
              n += 1;
              acks.push(await deliver(url, secret, small!, github.openPull(small!, { number: n, base: {}, head: { "README.md": `${n}` } })));
            }
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          reply({ health, acks, seconds: (Date.now() - started) / 1000 });
        })();
        break;
      case "review":
        void (async () => {
          const { url, secret } = message as { url: string; secret: string };
          const started = Date.now();
          await deliver(url, secret, big!, bigPull!);
          for (const end = Date.now() + 300_000; big!.checkRuns.length === 0; ) {
            if (Date.now() > end) throw new Error("the 1,000-Canary review did not finish in 5 minutes");
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          reply({ seconds: (Date.now() - started) / 1000 });
        })();
        break;
      case "close":
        void github.close().then(() => reply(true));
        break;
    }
  });
  port.postMessage({ id: 0, value: "ready" });
}

/** Once more when a kept-alive connection was closed under the request. */
async function retryOnce(request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch {
    return request();
  }
}
