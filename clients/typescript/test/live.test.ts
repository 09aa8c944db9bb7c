/**
 * The client against the running stack (`export-api-sandbox`): Pleo's flow end to end, the README's
 * example as written, both credentials, and the typed errors as the service answers them.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ExportApiClient, errors, type UpdateExportJobItemV3 } from "../src/index.js";
import { Sandbox, sandboxMissing } from "./sandbox.js";
import { PACKAGE, collect, pleoFlow } from "./support.js";

describe("against the sandbox", { skip: sandboxMissing }, () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await Sandbox.start();
  });
  after(async () => {
    await sandbox?.stop();
  });

  /** A client whose requests are counted by method and path. */
  function counted(options: { token?: string; apiKey?: string }): { api: ExportApiClient; calls: string[] } {
    const calls: string[] = [];
    const api = new ExportApiClient(sandbox.info.baseUrl, {
      ...options,
      fetch: (request) => {
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });
    return { api, calls };
  }

  test("Pleo's flow: pending job, started, pages of items, PUTs of 100, completed", async () => {
    const created = await sandbox.createJob({ invoice: 130, card_purchase: 20 });
    assert.equal(created.status, "pending");
    const { api, calls } = counted({ token: sandbox.info.bearerToken });

    const outcome = await pleoFlow(api, sandbox.info.companyId, 60);

    assert.deepEqual(outcome, {
      jobId: created.id,
      jobItems: 150,
      exportItems: 150,
      updated: 150,
      refused: 0,
      closedWith: "completed",
    });
    const count = (call: string): number => calls.filter((c) => c === call).length;
    assert.equal(count(`PUT /v3/export-jobs/${created.id}/items`), 2);
    assert.equal(count(`GET /v3/export-jobs/${created.id}/items`), 3); // 150 items, pages of 60
    assert.equal(count("GET /v3/export-items"), 3);
    const job = await api.getExportJob(created.id);
    assert.equal(job.status, "completed");
    const booked = [];
    for await (const item of api.listExportJobItems(created.id, { status: "successful" })) {
      booked.push(item);
    }
    assert.equal(booked.length, 150);
    const one = await api.getExportJobItem(booked[0]!.accountingEntryId);
    assert.equal(one.status, "successful");
  });

  test("the README's example runs as written", async () => {
    const created = await sandbox.createJob({ invoice: 3, per_diem: 2 });
    const [BASE_URL, TOKEN] = [sandbox.info.baseUrl, sandbox.info.bearerToken];
    // README begin
    const api = new ExportApiClient(BASE_URL, { token: TOKEN }); // or { apiKey: KEY } (basic auth, empty password)
    const pending = api.listExportJobs({ statuses: ["pending"], sortingKeys: ["createdAt"], sortingOrder: ["ASC"] });
    const { value: job } = await pending.next(); // the oldest pending job
    if (job) {
      await api.sendExportJobEvent(job.id, "started");
      const items = new Map<string, string>(); // accounting entry id -> its item's status
      for await (const item of api.listExportJobItems(job.id)) items.set(item.accountingEntryId, item.status);
      const results: UpdateExportJobItemV3[] = [];
      for await (const entry of api.listExportItems(job.id)) {
        if (items.get(entry.accountingEntryId) === "successful") continue; // reported already
        // book `entry` in your system, then report it:
        results.push({ accountingEntryId: entry.accountingEntryId, status: "successful" });
      }
      const outcome = await api.updateExportJobItems(job.id, results); // PUTs of 100, per-item errors returned
      await api.sendExportJobEvent(job.id, outcome.ok ? "completed" : "completed_with_errors");
    }
    // README end
    assert.equal(job?.id, created.id);
    assert.equal((await api.getExportJob(created.id)).status, "completed");

    const between = (text: string, from: RegExp, to: RegExp): string[] => {
      const lines = text.split("\n");
      const start = lines.findIndex((line) => from.test(line));
      const end = lines.findIndex((line, index) => index > start && to.test(line));
      return lines.slice(start + 1, end);
    };
    const readme = between(readFileSync(join(PACKAGE, "README.md"), "utf8"), /^```ts$/, /^```$/);
    const here = between(readFileSync(join(PACKAGE, "test", "live.test.ts"), "utf8"), /\/\/ README begin/, /\/\/ README end/);
    assert.deepEqual(readme.slice(2), here.map((line) => line.slice(4)), "README.md's example is this test's");
    assert.match(readme[0]!, /^import \{ ExportApiClient, type UpdateExportJobItemV3 \} from "export-api-client";$/);
  });

  test("an API key works as the basic-auth user name; a wrong token is Unauthorized", async () => {
    const { api } = counted({ apiKey: sandbox.info.apiKey });
    const created = await sandbox.createJob({ mileage: 2 });
    const ids = [];
    for await (const job of api.listExportJobs({ statuses: ["pending"] })) {
      ids.push(job.id);
    }
    assert.ok(ids.includes(created.id));
    // A company has one unfinished job at a time.
    const [entry] = await collect(api.listExportJobItems(created.id));
    await assert.rejects(api.createExportJob(sandbox.info.companyId, [entry!.accountingEntryId]), errors.ExportAlreadyInProgress);
    await api.sendExportJobEvent(created.id, "failed", { failureReasonType: "canceled_by_user" });

    const stranger = new ExportApiClient(sandbox.info.baseUrl, { token: "not-a-token" });
    await assert.rejects(
      collect(stranger.listExportJobs()),
      (error: unknown) => error instanceof errors.Unauthorized && error.status === 401,
    );
  });

  test("the service's errors arrive typed", async () => {
    const { api } = counted({ token: sandbox.info.bearerToken });
    await assert.rejects(api.getExportJob(crypto.randomUUID()), errors.ExportNotFound);
    const created = await sandbox.createJob({ refund: 1 });
    await assert.rejects(api.sendExportJobEvent(created.id, "completed"), (error: unknown) => {
      assert.ok(error instanceof errors.InvalidExportJobStatusChange);
      assert.equal(error.status, 422);
      assert.equal(error.type, "INVALID_EXPORT_JOB_STATUS_CHANGE");
      assert.ok(error.message.length > 0);
      return true;
    });
    await api.sendExportJobEvent(created.id, "failed", { failureReasonType: "canceled_by_user" });
  });
});
