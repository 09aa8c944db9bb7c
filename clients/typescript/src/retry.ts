/**
 * When and how long to wait before trying a request again.
 *
 * Exponential backoff with full jitter (so many clients throttled at once do not retry in step), never
 * shorter than the server's `Retry-After`. Every write carries an `Idempotency-Key`, so a write is
 * retried exactly like a read: the service replays the first answer instead of acting twice.
 */

import { errorType } from "./errors.js";

export interface RetryOptions {
  /** Attempts in all, the first included (1: no retry). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A `Retry-After` longer than this is cut to it (a client should not sleep for an hour). */
  maxRetryAfterMs?: number;
  retryStatuses?: ReadonlySet<number>;
  /** 422 IDEMPOTENCY_KEY_IN_USE: the first attempt of this very request is still running. */
  retryErrorTypes?: ReadonlySet<string>;
  /** A number in [0, 1): Math.random unless given (tests give a fixed one). */
  random?: () => number;
}

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly maxRetryAfterMs: number;
  readonly retryStatuses: ReadonlySet<number>;
  readonly retryErrorTypes: ReadonlySet<string>;
  private readonly random: () => number;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 20_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.retryStatuses = options.retryStatuses ?? new Set([429, 500, 502, 503, 504]);
    this.retryErrorTypes = options.retryErrorTypes ?? new Set(["IDEMPOTENCY_KEY_IN_USE"]);
    this.random = options.random ?? Math.random;
  }

  retriesResponse(status: number, body: unknown): boolean {
    const type = errorType(body);
    return this.retryStatuses.has(status) || (type !== undefined && this.retryErrorTypes.has(type));
  }

  /** Milliseconds to wait after failed attempt number `attempt` (1-based). */
  delayMs(attempt: number, retryAfter?: string | null): number {
    const backoff = this.random() * Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
    const server = parseRetryAfter(retryAfter);
    if (server === undefined) {
      return backoff;
    }
    return Math.min(Math.max(server, backoff), this.maxRetryAfterMs);
  }
}

export const NO_RETRY = new RetryPolicy({ maxAttempts: 1 });

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); garbage is ignored. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const when = Date.parse(text);
  if (Number.isNaN(when)) {
    return undefined;
  }
  return Math.max(0, when - now);
}
