/**
 * The client against answers recorded from the sandbox (test/fixtures/, `npm run record-fixtures`):
 * it sends the recorded requests in the recorded order, reads the recorded answers, and throws the
 * recorded errors typed.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { ExportApiClient, errors, type ExportApiClientOptions } from "../src/index.js";
import { PACKAGE, pleoFlow, type Recording } from "./support.js";

const BASE = "https://export-api.test";

function recording(name: string): Recording {
  return JSON.parse(readFileSync(join(PACKAGE, "test", "fixtures", `${name}.json`), "utf8")) as Recording;
}

/** A fetch serving a recording in order, failing on a request other than the recorded one. */
function replay(recorded: Recording): { fetch: (request: Request) => Promise<Response>; left: () => number } {
  const exchanges = [...recorded.exchanges];
  return {
    left: () => exchanges.length,
    fetch: async (request) => {
      const exchange = exchanges.shift();
      const url = new URL(request.url);
      const sent = await request.text();
      assert.ok(exchange, `no recorded answer for ${request.method} ${url.pathname}${url.search}`);
      assert.equal(`${request.method} ${url.pathname}${url.search}`, `${exchange.method} ${exchange.path}`);
      assert.deepEqual(sent ? JSON.parse(sent) : undefined, exchange.requestBody);
      const body = exchange.body === undefined ? null : JSON.stringify(exchange.body);
      return new Response(body, { status: exchange.status, headers: exchange.headers });
    },
  };
}

function client(server: ReturnType<typeof replay>, options: Partial<ExportApiClientOptions> = {}): ExportApiClient {
  return new ExportApiClient(BASE, { token: "recorded", fetch: server.fetch, retry: { maxAttempts: 1 }, ...options });
}

test("Pleo's flow sends the recorded requests and reads the recorded answers", async () => {
  const flow = recording("flow");
  const server = replay(flow);
  assert.deepEqual(await pleoFlow(client(server), flow.companyId, 3), flow.outcome);
  assert.equal(server.left(), 0);
});

test("the recorded errors arrive typed, with the contract's type and message", async () => {
  const failures = recording("errors");
  const server = replay(failures);
  const api = client(server);
  const thrown: unknown[] = [];
  const expect = async (work: Promise<unknown>): Promise<void> => {
    await work.then(
      () => assert.fail("an error was recorded here"),
      (error: unknown) => thrown.push(error),
    );
  };
  const [, , badEntry, inProgress] = failures.exchanges;
  await expect(api.getExportJob("00000000-0000-4000-8000-000000000000"));
  await expect(api.sendExportJobEvent(failures.jobId, "started"));
  await expect(api.createExportJob(failures.companyId, ["00000000-0000-4000-8000-000000000001"]));
  const [entry] = (inProgress!.requestBody as { accountingEntryIds: string[] }).accountingEntryIds;
  await expect(api.createExportJob(failures.companyId, [entry!]));
  await expect(api.listExportItems(failures.jobId).next());
  const open = (failures.exchanges[5]!.requestBody as { jobId: string }).jobId;
  await api.sendExportJobEvent(open, "failed", { failureReasonType: "canceled_by_user" });
  await expect(api.getExportJob(failures.jobId));
  assert.equal(server.left(), 0);

  const classes = [
    errors.ExportNotFound,
    errors.InvalidExportJobStatusChange,
    errors.BadRequest,
    errors.ExportAlreadyInProgress,
    errors.ExportJobStatusUnprocessable,
    errors.Unauthorized,
  ];
  assert.equal(thrown.length, classes.length);
  thrown.forEach((error, index) => assert.ok(error instanceof classes[index]!, `${String(error)}`));
  const typed = thrown as errors.ApiError[];
  assert.deepEqual(
    typed.map((e) => [e.status, e.type]),
    [
      [404, "EXPORT_NOT_FOUND"],
      [422, "INVALID_EXPORT_JOB_STATUS_CHANGE"],
      [400, "ACCOUNTING_ENTRY_DOES_NOT_EXIST"],
      [409, "EXPORT_ALREADY_IN_PROGRESS"],
      [422, "EXPORT_JOB_STATUS_UNPROCESSABLE"],
      [401, "UNAUTHORIZED"],
    ],
  );
  assert.equal(typed[2]!.message, (badEntry!.body as { message: string }).message);
});
