/**
 * Records the answers the replay tests serve (test/fixtures/*.json): Pleo's flow and the typed errors,
 * run against the sandbox. `npm run record-fixtures`; the IDs in them are the sandbox's of that run.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { ExportApiClient } from "../src/index.js";
import { Sandbox } from "./sandbox.js";
import { PACKAGE, collect, pleoFlow, type Exchange, type Recording } from "./support.js";

/** Only what the client reads: the rest (dates, request ids) would make every recording differ. */
const KEPT_HEADERS = ["content-type", "retry-after", "idempotent-replayed"];

function recorder(exchanges: Exchange[]): (request: Request) => Promise<Response> {
  return async (request) => {
    const sent = await request.clone().text();
    const response = await fetch(request);
    const text = await response.clone().text();
    const url = new URL(request.url);
    exchanges.push({
      method: request.method,
      path: url.pathname + url.search,
      ...(sent ? { requestBody: JSON.parse(sent) as unknown } : {}),
      status: response.status,
      headers: Object.fromEntries(KEPT_HEADERS.flatMap((name) => {
        const value = response.headers.get(name);
        return value === null ? [] : [[name, value]];
      })),
      ...(text ? { body: JSON.parse(text) as unknown } : {}),
    });
    return response;
  };
}

async function swallow(work: Promise<unknown>): Promise<void> {
  await work.then(
    () => {
      throw new Error("an error was to be recorded, the call succeeded");
    },
    () => undefined,
  );
}

const sandbox = await Sandbox.start();
try {
  const { companyId } = sandbox.info;
  const flow: Exchange[] = [];
  const created = await sandbox.createJob({ invoice: 4, card_purchase: 3 });
  const api = new ExportApiClient(sandbox.info.baseUrl, { token: sandbox.info.bearerToken, fetch: recorder(flow) });
  const outcome = await pleoFlow(api, companyId, 3);
  const flowRecording: Recording = { companyId, jobId: created.id, outcome, exchanges: flow };

  const failures: Exchange[] = [];
  const failing = new ExportApiClient(sandbox.info.baseUrl, {
    token: sandbox.info.bearerToken,
    fetch: recorder(failures),
    retry: { maxAttempts: 1 },
  });
  await swallow(failing.getExportJob("00000000-0000-4000-8000-000000000000"));
  await swallow(failing.sendExportJobEvent(created.id, "started"));
  const open = await sandbox.createJob({ mileage: 1 });
  await swallow(failing.createExportJob(companyId, ["00000000-0000-4000-8000-000000000001"]));
  const plain = new ExportApiClient(sandbox.info.baseUrl, { token: sandbox.info.bearerToken });
  const [entry] = await collect(plain.listExportJobItems(open.id));
  await swallow(failing.createExportJob(companyId, [entry!.accountingEntryId]));
  await swallow(failing.listExportItems(created.id).next());
  await failing.sendExportJobEvent(open.id, "failed", { failureReasonType: "canceled_by_user" });
  await swallow(new ExportApiClient(sandbox.info.baseUrl, { token: "not-a-token", fetch: recorder(failures) }).getExportJob(created.id));
  const errorRecording: Recording = { companyId, jobId: created.id, exchanges: failures };

  const folder = join(PACKAGE, "test", "fixtures");
  writeFileSync(join(folder, "flow.json"), `${JSON.stringify(flowRecording, null, 2)}\n`);
  writeFileSync(join(folder, "errors.json"), `${JSON.stringify(errorRecording, null, 2)}\n`);
  console.log(`recorded ${flow.length} + ${failures.length} exchanges into ${folder}`);
} finally {
  await sandbox.stop();
}
