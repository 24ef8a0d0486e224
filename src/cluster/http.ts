/**
 * What Flagger's two routes (events-route.ts, gates-route.ts) share at the HTTP edge: an answer
 * that is also an error, the token digest, the capped body read, draining a refused body, and JSON
 * replies.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** A refusal with its HTTP status and code: thrown by a route's checks, sent as JSON. */
export class Answer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A token's SHA-256: both sides of a comparison get the same length, which `timingSafeEqual`
 * needs, and the comparison does not reveal the token's length.
 */
export function digestToken(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Reads at most `limit` bytes; a declared or actual larger body is a 413 without reading on. The
 * stream is paused, not destroyed: destroying the request would reset the socket before the 413
 * could be sent (a `for await` loop left by a throw destroys it).
 */
export function readCappedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () => new Answer(413, "payload_too_large", `the request body is larger than ${limit} bytes`);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Lets a refused body drain (so the client reads our answer), cutting it off past `budget` bytes. */
export function discardBody(req: IncomingMessage, budget: number): void {
  if (req.readableEnded) return;
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > budget) req.destroy();
  });
  req.resume();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(`${JSON.stringify(body)}\n`);
}
