/**
 * The client against scripted answers: retries with backoff and full jitter honouring Retry-After, one
 * Idempotency-Key per write across its retries (a connection dropped mid-PUT is retried and replayed, not
 * applied twice), typed errors, batches of 100, cursor pages, both credentials, a deadline per attempt.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import {
  ExportApiClient,
  RetryPolicy,
  VERSION,
  errors,
  parseRetryAfter,
  type ExportApiClientOptions,
  type UpdateExportJobItemV3,
} from "../src/index.js";
import { PACKAGE, Script, collect, error, json, type Seen } from "./support.js";

const BASE = "https://export-api.test";
const JOB_ID = "7c1f4a5e-7b2d-4c89-9a2e-5d6f7a8b9c0d";
const COMPANY_ID = "11111111-1111-4111-8111-111111111111";

function job(status = "pending"): Record<string, unknown> {
  return {
    id: JOB_ID,
    companyId: COMPANY_ID,
    createdAt: "2026-11-01T10:00:00Z",
    expiresIn: 86400,
    isInteractive: false,
    numberOfItems: 3,
    status,
    vendorBasedBookkeeping: false,
  };
}

function page(data: unknown[], endCursor?: string): Response {
  const pagination = {
    currentRequestPagination: { parameters: {} },
    hasNextPage: endCursor !== undefined,
    hasPreviousPage: false,
    ...(endCursor ? { endCursor } : {}),
  };
  return json(200, { data, pagination });
}

function client(script: Script, sleeps: number[], options: Partial<ExportApiClientOptions> = {}): ExportApiClient {
  return new ExportApiClient(BASE, {
    token: "t0ken",
    fetch: script.fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

const accepted = (): Response => new Response(null, { status: 202 });

test("a 429 is retried after the server's Retry-After", async () => {
  const script = new Script(error(429, "TOO_MANY_REQUESTS", { "Retry-After": "3" }), json(200, { data: job() }));
  const sleeps: number[] = [];
  assert.equal((await client(script, sleeps).getExportJob(JOB_ID)).status, "pending");
  assert.equal(script.seen.length, 2);
  assert.equal(sleeps.length, 1);
  assert.ok(sleeps[0]! >= 3000 && sleeps[0]! <= new RetryPolicy().maxRetryAfterMs);
});

test("a 503 is retried with growing jittered backoff, then thrown typed", async () => {
  const policy = new RetryPolicy({ maxAttempts: 4, backoffBaseMs: 1000, backoffMaxMs: 100_000 });
  const script = new Script(...Array.from({ length: 4 }, () => error(503, "SERVICE_UNAVAILABLE")));
  const sleeps: number[] = [];
  await assert.rejects(client(script, sleeps, { retry: policy }).getExportJob(JOB_ID), (raised: unknown) => {
    assert.ok(raised instanceof errors.ServerError);
    assert.deepEqual([raised.status, raised.type], [503, "SERVICE_UNAVAILABLE"]);
    return true;
  });
  assert.equal(script.seen.length, 4);
  // Full jitter: each wait lies in [0, base * 2^(attempt-1)].
  assert.equal(sleeps.length, 3);
  sleeps.forEach((ms, n) => assert.ok(ms >= 0 && ms <= 1000 * 2 ** n, `${ms} after attempt ${n + 1}`));
});

test("the jitter spans the whole window", () => {
  const low = new RetryPolicy({ random: () => 0 });
  const high = new RetryPolicy({ random: () => 0.999 });
  assert.equal(low.delayMs(3), 0);
  assert.ok(high.delayMs(3) > 1990 && high.delayMs(3) < 2000);
  assert.ok(high.delayMs(30) <= high.backoffMaxMs);
  assert.equal(low.delayMs(1, "7"), 7000); // never sooner than Retry-After
  assert.equal(low.delayMs(1, "99999"), low.maxRetryAfterMs); // and never for an hour
});

test("a 503 then a 502 then success answers", async () => {
  const script = new Script(error(503, "SERVICE_UNAVAILABLE"), error(502, "BAD_GATEWAY"), json(200, { data: job() }));
  assert.equal((await client(script, []).getExportJob(JOB_ID)).id, JOB_ID);
});

test("a connection dropped mid-PUT is retried with the same Idempotency-Key and applied once", async () => {
  const applied = new Map<string, unknown>();
  const server = (seen: Seen): Response => {
    const key = seen.headers.get("Idempotency-Key")!;
    if (!applied.has(key)) {
      // The first attempt is applied, then its answer is lost.
      const updates = seen.body as Record<string, unknown>[];
      applied.set(key, { data: updates.map((u) => ({ ...u, exportJobId: JOB_ID })), errors: [] });
      throw new TypeError("fetch failed", { cause: new Error("other side closed") });
    }
    return json(200, applied.get(key), { "Idempotent-Replayed": "true" });
  };
  const script = new Script(server, server);
  const update: UpdateExportJobItemV3 = { accountingEntryId: crypto.randomUUID(), status: "successful", externalId: "V-1" };
  const result = await client(script, []).updateExportJobItems(JOB_ID, [update]);
  assert.ok(result.ok);
  assert.deepEqual(
    result.updated.map((i) => i.externalId),
    ["V-1"],
  );
  assert.equal(applied.size, 1);
  assert.equal(script.seen.length, 2);
  assert.equal(new Set(script.seen.map((s) => s.headers.get("Idempotency-Key"))).size, 1);
});

test("every write carries its own Idempotency-Key, and reads none", async () => {
  const script = new Script(accepted(), accepted(), json(200, { data: job() }));
  const api = client(script, []);
  await api.sendExportJobEvent(JOB_ID, "started");
  await api.sendExportJobEvent(JOB_ID, "completed");
  await api.getExportJob(JOB_ID);
  const [first, second, read] = script.seen;
  assert.match(first!.headers.get("Idempotency-Key")!, /^[0-9a-f-]{36}$/);
  assert.notEqual(first!.headers.get("Idempotency-Key"), second!.headers.get("Idempotency-Key"));
  assert.equal(read!.headers.get("Idempotency-Key"), null);
  assert.deepEqual(first!.body, { jobId: JOB_ID, event: "started" });
});

test("a key still in use (422 IDEMPOTENCY_KEY_IN_USE) is retried", async () => {
  const script = new Script(error(422, "IDEMPOTENCY_KEY_IN_USE"), accepted());
  await client(script, []).sendExportJobEvent(JOB_ID, "started");
  assert.equal(script.seen.length, 2);
  assert.equal(script.seen[0]!.headers.get("Idempotency-Key"), script.seen[1]!.headers.get("Idempotency-Key"));
});

test("connection errors exhaust into a TransportError", async () => {
  const refused = (): TypeError => new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
  const script = new Script(refused(), refused(), refused());
  await assert.rejects(
    client(script, [], { retry: { maxAttempts: 3 } }).getExportJob(JOB_ID),
    (raised: unknown) => raised instanceof errors.TransportError && /ECONNREFUSED.*3 attempts/.test(raised.message),
  );
  assert.equal(script.seen.length, 3);
});

test("what is not a connection failure is thrown as it is, not retried", async () => {
  const script = new Script(new RangeError("a bug"));
  await assert.rejects(client(script, []).getExportJob(JOB_ID), RangeError);
  assert.equal(script.seen.length, 1);
});

const TYPED: [number, string, new (...args: never[]) => errors.ApiError][] = [
  [404, "EXPORT_NOT_FOUND", errors.ExportNotFound],
  [404, "EXPORT_ENTRY_NOT_FOUND", errors.ExportEntryNotFound],
  [409, "EXPORT_ALREADY_IN_PROGRESS", errors.ExportAlreadyInProgress],
  [413, "EXPORT_JOB_ITEMS_UPDATE_LIMIT", errors.ExportJobItemsUpdateLimit],
  [422, "INVALID_EXPORT_JOB_STATUS_CHANGE", errors.InvalidExportJobStatusChange],
  [422, "EXPORT_JOB_STATUS_UNPROCESSABLE", errors.ExportJobStatusUnprocessable],
  [422, "IDEMPOTENCY_KEY_REUSED", errors.IdempotencyKeyReused],
  [400, "MISSING_CONTRA_ACCOUNTS", errors.MissingContraAccounts],
  [400, "BAD_REQUEST", errors.BadRequest],
  [401, "UNAUTHORIZED", errors.Unauthorized],
  [403, "FORBIDDEN", errors.Forbidden],
  [429, "TOO_MANY_REQUESTS", errors.TooManyRequests],
  [500, "INTERNAL_SERVER_ERROR", errors.ServerError],
  [409, "EXPORT_NOT_FOUND", errors.Conflict], // a type under another status than its own is not that error
];

for (const [status, type, expected] of TYPED) {
  test(`${status} ${type} is a ${expected.name}`, async () => {
    const script = new Script(...Array.from({ length: 2 }, () => error(status, type)));
    await assert.rejects(client(script, [], { retry: { maxAttempts: 2 } }).getExportJob(JOB_ID), (raised: unknown) => {
      assert.ok(raised instanceof expected, String(raised));
      assert.ok(raised instanceof errors.ApiError && raised instanceof errors.ExportApiError);
      assert.deepEqual([raised.status, raised.type, raised.message], [status, type, `${type} (recorded)`]);
      return true;
    });
  });
}

test("an error answer that is not the contract's shape still gives a typed error", async () => {
  const script = new Script(new Response("<html>Bad Gateway</html>", { status: 502 }));
  await assert.rejects(
    client(script, [], { retry: { maxAttempts: 1 } }).getExportJob(JOB_ID),
    (raised: unknown) => raised instanceof errors.ServerError && raised.type === "HTTP_502" && raised.message === "HTTP 502",
  );
});

test("updates go in batches of 100, per-item refusals returned", async () => {
  const ids: string[] = Array.from({ length: 250 }, () => crypto.randomUUID());
  const refused = new Set<string | undefined>([ids[5], ids[170]]);
  const server = (seen: Seen): Response => {
    const body = seen.body as { accountingEntryId: string }[];
    return json(200, {
      data: body.filter((u) => !refused.has(u.accountingEntryId)).map((u) => ({ ...u, exportJobId: JOB_ID })),
      errors: body
        .filter((u) => refused.has(u.accountingEntryId))
        .map((u) => ({ accountingEntryId: u.accountingEntryId, type: "ACCOUNTING_ENTRY_DOES_NOT_EXIST", message: "no" })),
    });
  };
  const script = new Script(server, server, server);
  async function* updates(): AsyncGenerator<UpdateExportJobItemV3> {
    for (const id of ids) {
      yield { accountingEntryId: id, status: "successful" };
    }
  }
  const result = await client(script, []).updateExportJobItems(JOB_ID, updates());
  assert.deepEqual(
    script.seen.map((s) => [s.method, (s.body as unknown[]).length]),
    [
      ["PUT", 100],
      ["PUT", 100],
      ["PUT", 50],
    ],
  );
  assert.equal(new Set(script.seen.map((s) => s.headers.get("Idempotency-Key"))).size, 3);
  assert.equal(result.updated.length, 248);
  assert.equal(result.ok, false);
  assert.deepEqual(new Set(result.errors.map((e) => e.accountingEntryId)), refused);
});

test("lists follow the cursor pages", async () => {
  const script = new Script(page([job()], "CURSORA"), page([job("in_progress")], "CURSORB"), page([job("completed")]));
  const jobs = await collect(client(script, []).listExportJobs({ statuses: ["pending", "in_progress"], pageSize: 1 }));
  assert.deepEqual(
    jobs.map((j) => j.status),
    ["pending", "in_progress", "completed"],
  );
  assert.deepEqual(
    script.seen.map((s) => s.url.searchParams.get("after")),
    [null, "CURSORA", "CURSORB"],
  );
  assert.deepEqual(script.seen[0]!.url.searchParams.getAll("statuses"), ["pending", "in_progress"]);
  assert.deepEqual(new Set(script.seen.map((s) => s.url.searchParams.get("limit"))), new Set(["1"]));
});

test("a page of a list is retried like any read", async () => {
  const script = new Script(page([job()], "NEXT"), error(429, "TOO_MANY_REQUESTS", { "Retry-After": "1" }), page([job("completed")]));
  const sleeps: number[] = [];
  const jobs = await collect(client(script, sleeps).listExportJobs());
  assert.equal(jobs.length, 2);
  assert.deepEqual(
    script.seen.map((s) => s.url.searchParams.get("after")),
    [null, "NEXT", "NEXT"],
  );
  assert.ok(sleeps[0]! >= 1000);
});

test("both credentials: a bearer token, an API key as the basic-auth user name with an empty password", async () => {
  const script = new Script(json(200, { data: job() }), json(200, { data: job() }));
  await new ExportApiClient(BASE, { token: "abc", fetch: script.fetch }).getExportJob(JOB_ID);
  await new ExportApiClient(BASE, { apiKey: "key-id:secret", fetch: script.fetch }).getExportJob(JOB_ID);
  const [bearer, basic] = script.seen.map((s) => s.headers.get("Authorization"));
  assert.equal(bearer, "Bearer abc");
  assert.equal(basic, `Basic ${Buffer.from("key-id:secret:").toString("base64")}`);
  assert.throws(() => new ExportApiClient(BASE, {}), /exactly one credential/);
  assert.throws(() => new ExportApiClient(BASE, { token: "a", apiKey: "b" }), /exactly one credential/);
});

test("every attempt has a deadline", async () => {
  // AbortSignal.timeout's timer does not keep the process alive (a real request's socket does).
  const alive = setInterval(() => {}, 1000);
  const never = (request: Request): Promise<Response> =>
    new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
  const api = new ExportApiClient(BASE, { token: "t", fetch: never, timeoutMs: 20, retry: { maxAttempts: 2 }, sleep: async () => {} });
  try {
    await assert.rejects(
      api.getExportJob(JOB_ID),
      (raised: unknown) => raised instanceof errors.TransportError && /TimeoutError.*2 attempts/.test(raised.message),
    );
  } finally {
    clearInterval(alive);
  }
});

test("Retry-After as seconds, as an HTTP date, and garbage", () => {
  const now = Date.parse("2026-11-01T12:00:00Z");
  assert.equal(parseRetryAfter("Sun, 01 Nov 2026 12:00:07 GMT", now), 7000);
  assert.equal(parseRetryAfter("Sun, 01 Nov 2026 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(" 12 "), 12_000);
  assert.equal(parseRetryAfter("soon"), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test("requests name the client and its version", async () => {
  const script = new Script(json(200, { data: job() }));
  await client(script, []).getExportJob(JOB_ID);
  assert.equal(script.seen[0]!.headers.get("User-Agent"), `export-api-client/${VERSION}`);
  const manifest = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { version: string };
  assert.equal(VERSION, manifest.version);
});
