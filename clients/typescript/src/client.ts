/** The Export API over HTTP: openapi-fetch on the generated types, with the behaviour an integration needs. */

import createClient, { type Client } from "openapi-fetch";

import { apiError, TransportError } from "./errors.js";
import type {
  CreateExportJob,
  CursorPage,
  CursorPageInfo,
  ExportItemV3,
  ExportJobEventType,
  ExportJobItemStatus,
  ExportJobItemUpdateErrorV3,
  ExportJobItemUpdateV3,
  ExportJobItemV3,
  ExportJobStatus,
  ExportJobV3,
  CreateExportJobEvent,
  PageOrder,
  UpdateExportJobItemV3,
} from "./models.js";
import { RetryPolicy, type RetryOptions } from "./retry.js";
import type { paths } from "./schema.js";
import { VERSION } from "./version.js";

/** The contract's limit of items in one PUT of export job items (413 EXPORT_JOB_ITEMS_UPDATE_LIMIT above it). */
export const MAX_ITEMS_PER_UPDATE = 100;
/** The contract's largest page. */
export const MAX_PAGE_SIZE = 100;
/** Every attempt has a deadline (API Gateway's own limit is 29 s). */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ExportApiClientOptions {
  /** A bearer token. Give this or `apiKey`. */
  token?: string;
  /** An API key: sent as the basic-auth user name with an empty password. */
  apiKey?: string;
  /** Per attempt. */
  timeoutMs?: number;
  retry?: RetryPolicy | RetryOptions;
  /** globalThis.fetch unless given (tests give a fake one). */
  fetch?: (request: Request) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
}

/** What one attempt of an operation gets: its Idempotency-Key (writes) and its deadline. */
export interface AttemptInit {
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** One attempt of an operation on the openapi-fetch client (`api.http`). */
export type Attempt<T> = (init: AttemptInit) => Promise<{ data?: T; error?: unknown; response: Response }>;

/**
 * What a PUT of export job items did, over all its batches of 100: the items updated and, per item,
 * the ones the service refused (with the error `type` and `message` of each).
 */
export class ItemUpdateResult {
  readonly updated: ExportJobItemV3[] = [];
  readonly errors: ExportJobItemUpdateErrorV3[] = [];

  get ok(): boolean {
    return this.errors.length === 0;
  }

  add(batch: ExportJobItemUpdateV3): void {
    this.updated.push(...batch.data);
    this.errors.push(...batch.errors);
  }
}

export interface ListExportJobsOptions {
  statuses?: ExportJobStatus[];
  companyId?: string;
  sortingKeys?: string[];
  sortingOrder?: PageOrder[];
  pageSize?: number;
}

export function credential(token: string | undefined, apiKey: string | undefined): string {
  if ((token === undefined) === (apiKey === undefined)) {
    throw new TypeError("pass exactly one credential: token (bearer) or apiKey (basic auth user name)");
  }
  return token !== undefined ? `Bearer ${token}` : `Basic ${btoa(`${apiKey}:`)}`;
}

/** The cursor of the page after this one; undefined on the last page (or when the server gave no cursor). */
export function nextCursor(pagination: CursorPageInfo): string | undefined {
  return pagination.hasNextPage && pagination.endCursor ? pagination.endCursor : undefined;
}

/**
 * `new ExportApiClient(baseUrl, { token })` or `{ apiKey }`.
 *
 * Lists are async iterators that follow the cursor pages; writes carry an Idempotency-Key and, like reads,
 * are retried with backoff and full jitter on 429, 5xx and dropped connections (honouring Retry-After).
 * `http` is the underlying openapi-fetch client, for operations of other versions (send them through
 * `request` and `paginate` to get the same retries and errors).
 */
export class ExportApiClient {
  readonly http: Client<paths>;
  readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(baseUrl: string, options: ExportApiClientOptions) {
    this.http = createClient<paths>({
      baseUrl: baseUrl.replace(/\/+$/, ""),
      headers: {
        Authorization: credential(options.token, options.apiKey),
        Accept: "application/json",
        "User-Agent": `export-api-client/${VERSION}`,
      },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.retry = options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  // --- sending -----------------------------------------------------------------------------------

  /**
   * One operation, retrying what is safe to retry; throws the typed error otherwise. A write gets one
   * Idempotency-Key, the same on every retry of it: the service then replays the first answer rather
   * than acting twice (a dropped connection after the write went through).
   */
  async request<T>(label: string, write: boolean, attempt: Attempt<T>): Promise<T> {
    const headers: Record<string, string> = write ? { "Idempotency-Key": crypto.randomUUID() } : {};
    for (let number = 1; ; number++) {
      let result: Awaited<ReturnType<Attempt<T>>>;
      try {
        result = await attempt({ headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        if (!isTransportFailure(error)) {
          throw error;
        }
        if (number >= this.retry.maxAttempts) {
          throw new TransportError(`${label}: ${describe(error)} after ${number} attempts`, { cause: error });
        }
        await this.sleep(this.retry.delayMs(number));
        continue;
      }
      const { response } = result;
      if (response.ok) {
        return result.data as T;
      }
      if (number < this.retry.maxAttempts && this.retry.retriesResponse(response.status, result.error)) {
        await this.sleep(this.retry.delayMs(number, response.headers.get("Retry-After")));
        continue;
      }
      throw apiError(response.status, result.error, response.headers);
    }
  }

  /**
   * Every item of a list, page after page: `pageAfter(cursor)` is the attempt for one page. A list
   * sent as a POST (a search) is a write to the service's idempotency: each page gets its own key.
   */
  async *paginate<T>(
    label: string,
    pageAfter: (after: string | undefined) => Attempt<CursorPage<T>>,
    write = false,
  ): AsyncGenerator<T> {
    let after: string | undefined;
    do {
      const page = await this.request(label, write, pageAfter(after));
      yield* page.data;
      after = nextCursor(page.pagination);
    } while (after !== undefined);
  }

  // --- v3 ----------------------------------------------------------------------------------------

  listExportJobs(options: ListExportJobsOptions = {}): AsyncGenerator<ExportJobV3> {
    const query = {
      statuses: options.statuses,
      company_id: options.companyId,
      sorting_keys: options.sortingKeys,
      sorting_order: options.sortingOrder,
      limit: options.pageSize ?? MAX_PAGE_SIZE,
    };
    return this.paginate("GET /v3/export-jobs", (after) => (init) =>
      this.http.GET("/v3/export-jobs", { params: { query: { ...query, after } }, ...init }),
    );
  }

  async getExportJob(jobId: string): Promise<ExportJobV3> {
    const answer = await this.request("GET /v3/export-jobs/{jobId}", false, (init) =>
      this.http.GET("/v3/export-jobs/{jobId}", { params: { path: { jobId } }, ...init }),
    );
    return answer.data;
  }

  async createExportJob(
    companyId: string,
    accountingEntryIds: Iterable<string>,
    fields: Partial<Omit<CreateExportJob, "companyId" | "accountingEntryIds">> = {},
  ): Promise<ExportJobV3> {
    const body: CreateExportJob = { isInteractive: true, ...fields, companyId, accountingEntryIds: [...accountingEntryIds] };
    const answer = await this.request("POST /v3/export-jobs", true, (init) =>
      this.http.POST("/v3/export-jobs", { body, ...init }),
    );
    return answer.data;
  }

  async sendExportJobEvent(
    jobId: string,
    event: ExportJobEventType,
    fields: Partial<Omit<CreateExportJobEvent, "jobId" | "event">> = {},
  ): Promise<void> {
    const body: CreateExportJobEvent = { ...fields, jobId, event };
    await this.request("POST /v3/export-job-events", true, (init) =>
      this.http.POST("/v3/export-job-events", { body, ...init }),
    );
  }

  listExportJobItems(
    jobId: string,
    options: { status?: ExportJobItemStatus; pageSize?: number } = {},
  ): AsyncGenerator<ExportJobItemV3> {
    const query = { status: options.status, limit: options.pageSize ?? MAX_PAGE_SIZE };
    return this.paginate("GET /v3/export-jobs/{jobId}/items", (after) => (init) =>
      this.http.GET("/v3/export-jobs/{jobId}/items", {
        params: { path: { jobId }, query: { ...query, after } },
        ...init,
      }),
    );
  }

  /**
   * Report item outcomes, any number of them, in PUTs of at most 100 (each with its own
   * Idempotency-Key); per-item refusals are in the result's `errors`, not thrown.
   */
  async updateExportJobItems(
    jobId: string,
    updates: Iterable<UpdateExportJobItemV3> | AsyncIterable<UpdateExportJobItemV3>,
  ): Promise<ItemUpdateResult> {
    const result = new ItemUpdateResult();
    const put = async (body: UpdateExportJobItemV3[]): Promise<void> => {
      result.add(
        await this.request("PUT /v3/export-jobs/{jobId}/items", true, (init) =>
          this.http.PUT("/v3/export-jobs/{jobId}/items", { params: { path: { jobId } }, body, ...init }),
        ),
      );
    };
    let batch: UpdateExportJobItemV3[] = [];
    for await (const update of updates) {
      batch.push(update);
      if (batch.length === MAX_ITEMS_PER_UPDATE) {
        await put(batch);
        batch = [];
      }
    }
    if (batch.length > 0) {
      await put(batch);
    }
    return result;
  }

  listExportItems(jobId: string, options: { pageSize?: number } = {}): AsyncGenerator<ExportItemV3> {
    const limit = options.pageSize ?? MAX_PAGE_SIZE;
    return this.paginate("GET /v3/export-items", (after) => (init) =>
      this.http.GET("/v3/export-items", { params: { query: { job_id: jobId, limit, after } }, ...init }),
    );
  }

  async getExportJobItem(accountingEntryId: string, options: { companyId?: string } = {}): Promise<ExportJobItemV3> {
    const query = { accounting_entry_id: accountingEntryId, company_id: options.companyId };
    const answer = await this.request("GET /v3/export-job-items", false, (init) =>
      this.http.GET("/v3/export-job-items", { params: { query }, ...init }),
    );
    return answer.data;
  }

  searchExportJobItems(
    accountingEntryIds: Iterable<string>,
    options: { status?: ExportJobItemStatus; companyId?: string; pageSize?: number } = {},
  ): AsyncGenerator<ExportJobItemV3> {
    const body = { accountingEntryIds: [...accountingEntryIds], status: options.status };
    const query = { company_id: options.companyId, limit: options.pageSize ?? MAX_PAGE_SIZE };
    return this.paginate("POST /v3/export-job-items:search", (after) => (init) =>
      this.http.POST("/v3/export-job-items:search", { params: { query: { ...query, after } }, body, ...init }),
    true,
    );
  }
}

/**
 * fetch's own failures: a TypeError for a connection refused, reset or dropped mid-answer, and the
 * deadline's TimeoutError. Anything else is a fault of the caller or of this client, not worth a retry.
 */
function isTransportFailure(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}
