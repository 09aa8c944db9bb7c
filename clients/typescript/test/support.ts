/** What the tests share: a scripted fetch, the package's folders, Pleo's flow as an integration runs it. */

import { fileURLToPath } from "node:url";

import type { ExportApiClient, UpdateExportJobItemV3 } from "../src/index.js";

/** The package's folder (the tests run from dist/test/). */
export const PACKAGE = fileURLToPath(new URL("../../", import.meta.url));
export const REPOSITORY = fileURLToPath(new URL("../../../../", import.meta.url));

export interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

export type Answer = Response | Error | ((seen: Seen) => Response);

/** A fetch answering from a script, one answer (or thrown error) per request, keeping what it was sent. */
export class Script {
  readonly seen: Seen[] = [];
  private readonly answers: Answer[];

  constructor(...answers: Answer[]) {
    this.answers = answers;
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const text = await request.text();
    const seen = {
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    this.seen.push(seen);
    const answer = this.answers.shift();
    if (answer === undefined) {
      throw new Error(`no answer scripted for ${request.method} ${request.url}`);
    }
    if (answer instanceof Error) {
      throw answer;
    }
    return typeof answer === "function" ? answer(seen) : answer.clone();
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json;charset=UTF-8", ...headers },
  });
}

export function error(status: number, type: string, headers: Record<string, string> = {}): Response {
  return json(status, { type, message: `${type} (recorded)` }, headers);
}

export interface FlowOutcome {
  jobId: string;
  jobItems: number;
  exportItems: number;
  updated: number;
  refused: number;
  closedWith: string;
}

/**
 * Pleo's flow: take the oldest pending job, start it, page its job items and export items, report
 * every export item booked (PUTs of 100), complete it.
 */
export async function pleoFlow(api: ExportApiClient, companyId: string, pageSize = 100): Promise<FlowOutcome> {
  const pending = api.listExportJobs({ statuses: ["pending"], companyId, sortingKeys: ["createdAt"], sortingOrder: ["ASC"] });
  const { value: job } = await pending.next();
  if (!job) {
    throw new Error("no pending export job");
  }
  await api.sendExportJobEvent(job.id, "started");
  let jobItems = 0;
  for await (const item of api.listExportJobItems(job.id, { pageSize })) {
    jobItems += item.status === "in_progress" || item.status === "pending" ? 1 : 0;
  }
  const results: UpdateExportJobItemV3[] = [];
  for await (const entry of api.listExportItems(job.id, { pageSize })) {
    results.push({ accountingEntryId: entry.accountingEntryId, status: "successful", externalId: `BOOK-${results.length}` });
  }
  const outcome = await api.updateExportJobItems(job.id, results);
  const closedWith = outcome.ok ? "completed" : "completed_with_errors";
  await api.sendExportJobEvent(job.id, closedWith);
  return {
    jobId: job.id,
    jobItems,
    exportItems: results.length,
    updated: outcome.updated.length,
    refused: outcome.errors.length,
    closedWith,
  };
}

/** Every item of an async iterator (Array.fromAsync is Node 22's). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) {
    all.push(item);
  }
  return all;
}

/** One request and its answer, as recorded from the sandbox (record-fixtures.ts). */
export interface Exchange {
  method: string;
  path: string;
  requestBody?: unknown;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Recording {
  companyId: string;
  jobId: string;
  outcome?: FlowOutcome;
  exchanges: Exchange[];
}
