import { describe, expect, it } from "vitest";
import { baseDeployment, canaryWith, validate, type Json } from "../support.js";

function withHooks(webhooks: Json[]) {
  return validate([canaryWith((c) => (c.spec.analysis.webhooks = webhooks)), baseDeployment()]);
}

describe("webhook timeouts (flagger-scheduler.md §2, §4.1)", () => {
  it.each([
    ["5mins", "WEBHOOK_TIMEOUT_UNPARSABLE"],
    ["30sec", "WEBHOOK_TIMEOUT_UNPARSABLE"],
    ["10ms", "WEBHOOK_TIMEOUT_TOO_SHORT"],
    ["0s", "WEBHOOK_TIMEOUT_TOO_SHORT"],
  ])("%s passes the CRD and gives %s", (timeout, code) => {
    const v = withHooks([{ name: "load-test", url: "http://flagger-loadtester.test/", timeout }]);
    expect(v.findings).toEqual([expect.objectContaining({ code, severity: "error", path: "spec.analysis.webhooks[0].timeout" })]);
  });

  it("says what a failing call means for each hook type", () => {
    const message = (type: string) => withHooks([{ name: "h", type, url: "http://gate.test/", timeout: "5mins" }]).findings[0]!.message;
    expect(message("pre-rollout")).toContain("failed check");
    expect(message("confirm-promotion")).toContain("gate never opens");
    expect(message("rollback")).toContain("never signal a rollback");
    expect(message("event")).toContain("no event is ever delivered");
  });

  it("suggests minutes for a millisecond timeout", () => {
    expect(withHooks([{ name: "h", url: "http://a.test/", timeout: "10ms" }]).findings[0]!.message).toContain("did you mean 10m?");
  });

  it.each(["30s", "1m30s", "5m"])("%s is fine", (timeout) => {
    expect(withHooks([{ name: "h", url: "http://a.test/", timeout }]).findings).toEqual([]);
  });
});

describe("webhook URLs (§1.0: format url is not enforced)", () => {
  it.each(["flagger-loadtester.test/", "http://{dockerHubUsername}.test/", "http://load tester/", "ftp://x.test/"])("%s cannot be called", (url) => {
    const v = withHooks([{ name: "h", url }]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "WEBHOOK_URL_INVALID", severity: "error", path: "spec.analysis.webhooks[0].url" })]);
  });

  it.each(["http://flagger-loadtester.test/", "https://gate.example.com:8443/approve?x=1", "http://10.0.0.1:8080/", "http://[::1]:80/"])("%s can be called", (url) => {
    expect(withHooks([{ name: "h", url }]).findings).toEqual([]);
  });
});

describe("alerts (§2, §4.5)", () => {
  const provider = { apiVersion: "flagger.app/v1beta1", kind: "AlertProvider", metadata: { name: "on-call", namespace: "test" }, spec: { type: "slack", address: "https://hooks.slack.com/services/x" } };

  it("an alert without severity is never sent", () => {
    const v = validate([canaryWith((c) => (c.spec.analysis.alerts = [{ name: "on-call", providerRef: { name: "on-call" } }])), baseDeployment(), provider]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "ALERT_SEVERITY_EMPTY", severity: "warning", path: "spec.analysis.alerts[0].name" })]);
  });

  it("an empty severity is never sent", () => {
    const v = validate([canaryWith((c) => (c.spec.analysis.alerts = [{ name: "on-call", severity: "", providerRef: { name: "on-call" } }])), baseDeployment(), provider]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "ALERT_SEVERITY_EMPTY", path: "spec.analysis.alerts[0].severity" })]);
  });

  it("a severity and a provider among the files: nothing to say", () => {
    expect(validate([canaryWith((c) => (c.spec.analysis.alerts = [{ name: "on-call", severity: "warn", providerRef: { name: "on-call" } }])), baseDeployment(), provider]).findings).toEqual([]);
  });

  it("a provider that is not among the files is a notice", () => {
    const v = validate([canaryWith((c) => (c.spec.analysis.alerts = [{ name: "on-call", severity: "warn", providerRef: { name: "on-call", namespace: "flagger" } }])), baseDeployment(), provider]);
    expect(v.findings).toEqual([expect.objectContaining({ code: "ALERT_PROVIDER_NOT_FOUND", severity: "notice", path: "spec.analysis.alerts[0].providerRef.name" })]);
  });
});
