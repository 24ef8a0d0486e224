/** The OpenAPI check of the requests we send must catch what GitHub would refuse or ignore. */
import { describe, expect, it } from "vitest";
import { findOpenApiProblems } from "./openapi.js";

const CHECK = {
  name: "canary/validation",
  head_sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
  status: "completed",
  conclusion: "success",
  output: { title: "ok", summary: "ok", annotations: [{ path: "a.yaml", start_line: 1, end_line: 1, annotation_level: "warning", message: "m" }] },
};

describe("findOpenApiProblems", () => {
  it("accepts a valid check run", () => {
    expect(findOpenApiProblems({ method: "POST", path: "/repos/o/r/check-runs", body: CHECK })).toEqual([]);
  });

  it("catches a misspelt field, a wrong enum value, a missing required field and 51 annotations", () => {
    const problems = [
      findOpenApiProblems({ method: "POST", path: "/repos/o/r/check-runs", body: { ...CHECK, conclusoin: "success" } }),
      findOpenApiProblems({ method: "POST", path: "/repos/o/r/check-runs", body: { ...CHECK, conclusion: "passed" } }),
      findOpenApiProblems({ method: "POST", path: "/repos/o/r/check-runs", body: { name: "x" } }),
      findOpenApiProblems({ method: "PATCH", path: "/repos/o/r/check-runs/1", body: { output: { ...CHECK.output, annotations: Array.from({ length: 51 }, () => CHECK.output.annotations[0]) } } }),
    ];
    expect(problems.map((p) => p.length > 0)).toEqual([true, true, true, true]);
    expect(problems[0]![0]).toContain("must NOT have additional properties");
  });

  it("catches unknown routes and query parameters, and per_page above 100", () => {
    expect(findOpenApiProblems({ method: "GET", path: "/repos/o/r/no-such-thing", body: undefined })).toEqual(["GET /repos/o/r/no-such-thing is not an operation of GitHub's REST API"]);
    expect(findOpenApiProblems({ method: "GET", path: "/repos/o/r/issues/2/comments?per_page=100&page=2", body: undefined })).toEqual([]);
    expect(findOpenApiProblems({ method: "GET", path: "/repos/o/r/issues/2/comments?perpage=100", body: undefined })).toEqual(["GET /repos/{owner}/{repo}/issues/{issue_number}/comments: query parameter perpage is not defined"]);
    expect(findOpenApiProblems({ method: "GET", path: "/repos/o/r/issues/2/comments?per_page=101", body: undefined })).toEqual(["GET /repos/{owner}/{repo}/issues/{issue_number}/comments: per_page 101 is above GitHub's maximum of 100"]);
    expect(findOpenApiProblems({ method: "GET", path: "/repos/o/r/commits/abc/check-runs?filter=newest", body: undefined })[0]).toContain("query parameter filter=newest");
  });

  it("reads GitHub's pagination links (/repositories/{id}/…) as the /repos operation", () => {
    expect(findOpenApiProblems({ method: "GET", path: "/repositories/1296269/pulls/2/files?per_page=100&page=2", body: undefined })).toEqual([]);
  });
});
