/** A typed TypeScript client for the Export API (Pleo's published Export API v32.1.0). */

export {
  ExportApiClient,
  ItemUpdateResult,
  MAX_ITEMS_PER_UPDATE,
  MAX_PAGE_SIZE,
  DEFAULT_TIMEOUT_MS,
  credential,
  nextCursor,
  type Attempt,
  type AttemptInit,
  type ExportApiClientOptions,
  type ListExportJobsOptions,
} from "./client.js";
export * as errors from "./errors.js";
export { ApiError, ExportApiError, TransportError } from "./errors.js";
export type * from "./models.js";
export { RetryPolicy, NO_RETRY, parseRetryAfter, type RetryOptions } from "./retry.js";
export type { components, operations, paths } from "./schema.js";
export { VERSION } from "./version.js";
export { InvalidWebhookSignature, verifyWebhook } from "./webhooks.js";
