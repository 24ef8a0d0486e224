/**
 * The main thread's side of bench/github-thread.ts: starts the thread and asks it one message at a
 * time (each answer is matched to its question by id). Used by the app and gates sections.
 */
import { Worker } from "node:worker_threads";

export interface GitHubThread {
  ask<T>(message: Record<string, unknown>): Promise<T>;
  terminate(): Promise<number>;
}

export async function startGitHubThread(): Promise<GitHubThread> {
  const thread = new Worker(new URL("./github-thread.js", import.meta.url));
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  // The thread says it is ready with id 0.
  const ready = new Promise<void>((resolve) => pending.set(0, () => resolve()));
  thread.on("message", (message: { id: number; value: unknown }) => {
    pending.get(message.id)?.(message.value);
    pending.delete(message.id);
  });
  await ready;
  return {
    ask: <T>(message: Record<string, unknown>): Promise<T> =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve as (value: unknown) => void);
        thread.postMessage({ ...message, id });
      }),
    terminate: () => thread.terminate(),
  };
}
