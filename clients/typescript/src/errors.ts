/**
 * Typed errors: one class per HTTP status the contract names, a subclass per error `type` an
 * integration acts on, each carrying the contract's `ExceptionInfo` (`type`, `message`).
 */

/** Anything this client throws. */
export class ExportApiError extends Error {
  override name = "ExportApiError";
}

/** The service could not be reached (connection refused or dropped, timeout) after every retry. */
export class TransportError extends ExportApiError {
  override name = "TransportError";
}

/** The service answered with an error: `status`, and the contract's `type` and `message`. */
export class ApiError extends ExportApiError {
  override name = "ApiError";
  static readonly statusCode: number | undefined = undefined;
  readonly headers: Headers;

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    headers?: Headers | Record<string, string>,
  ) {
    super(`${status} ${type}: ${message}`);
    this.message = message;
    this.headers = new Headers(headers);
  }
}

export class BadRequest extends ApiError {
  override name = "BadRequest";
  static override readonly statusCode = 400;
}
export class Unauthorized extends ApiError {
  override name = "Unauthorized";
  static override readonly statusCode = 401;
}
export class Forbidden extends ApiError {
  override name = "Forbidden";
  static override readonly statusCode = 403;
}
export class NotFound extends ApiError {
  override name = "NotFound";
  static override readonly statusCode = 404;
}
export class Conflict extends ApiError {
  override name = "Conflict";
  static override readonly statusCode = 409;
}
export class PayloadTooLarge extends ApiError {
  override name = "PayloadTooLarge";
  static override readonly statusCode = 413;
}
export class Unprocessable extends ApiError {
  override name = "Unprocessable";
  static override readonly statusCode = 422;
}
export class TooManyRequests extends ApiError {
  override name = "TooManyRequests";
  static override readonly statusCode = 429;
}
/** Any 5xx (503 `SERVICE_UNAVAILABLE` included) still failing after every retry. */
export class ServerError extends ApiError {
  override name = "ServerError";
}

/** v3 export items need a contra account for every Pleo account of the company. */
export class MissingContraAccounts extends BadRequest {
  override name = "MissingContraAccounts";
}
export class ExportNotFound extends NotFound {
  override name = "ExportNotFound";
}
export class ExportEntryNotFound extends NotFound {
  override name = "ExportEntryNotFound";
}
/** The company already has an unfinished export job: finish that one first. */
export class ExportAlreadyInProgress extends Conflict {
  override name = "ExportAlreadyInProgress";
}
export class ExportJobItemsUpdateLimit extends PayloadTooLarge {
  override name = "ExportJobItemsUpdateLimit";
}
/** The lifecycle does not allow this event in the job's current status. */
export class InvalidExportJobStatusChange extends Unprocessable {
  override name = "InvalidExportJobStatusChange";
}
/** The job is finished (or not yet started) for this operation. */
export class ExportJobStatusUnprocessable extends Unprocessable {
  override name = "ExportJobStatusUnprocessable";
}
export class IdempotencyKeyReused extends Unprocessable {
  override name = "IdempotencyKeyReused";
}
/** The first request with this key is still running: retried like a 503. */
export class IdempotencyKeyInUse extends Unprocessable {
  override name = "IdempotencyKeyInUse";
}

type ApiErrorClass = (new (status: number, type: string, message: string, headers?: Headers | Record<string, string>) => ApiError) & {
  readonly statusCode: number | undefined;
};

const BY_TYPE: Readonly<Record<string, ApiErrorClass>> = {
  MISSING_CONTRA_ACCOUNTS: MissingContraAccounts,
  EXPORT_NOT_FOUND: ExportNotFound,
  EXPORT_ENTRY_NOT_FOUND: ExportEntryNotFound,
  EXPORT_ALREADY_IN_PROGRESS: ExportAlreadyInProgress,
  EXPORT_JOB_ITEMS_UPDATE_LIMIT: ExportJobItemsUpdateLimit,
  INVALID_EXPORT_JOB_STATUS_CHANGE: InvalidExportJobStatusChange,
  EXPORT_JOB_STATUS_UNPROCESSABLE: ExportJobStatusUnprocessable,
  IDEMPOTENCY_KEY_REUSED: IdempotencyKeyReused,
  IDEMPOTENCY_KEY_IN_USE: IdempotencyKeyInUse,
};

const BY_STATUS: ReadonlyMap<number, ApiErrorClass> = new Map(
  [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Unprocessable, TooManyRequests].map(
    (cls) => [cls.statusCode, cls],
  ),
);

/** The contract's error `type` of a decoded body, if it has one. */
export function errorType(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null && "type" in body && typeof body.type === "string") {
    return body.type;
  }
  return undefined;
}

/** The most specific error for an error answer; a body that is not `ExceptionInfo` still gives one. */
export function apiError(status: number, body: unknown, headers?: Headers | Record<string, string>): ApiError {
  const type = errorType(body) ?? `HTTP_${status}`;
  const message =
    typeof body === "object" && body !== null && "message" in body && typeof body.message === "string"
      ? body.message
      : `HTTP ${status}`;
  let cls = BY_TYPE[type];
  // A type answered with another status than the contract gives it is not that error.
  if (cls === undefined || (cls.statusCode !== undefined && cls.statusCode !== status)) {
    cls = status >= 500 ? ServerError : (BY_STATUS.get(status) ?? ApiError);
  }
  return new cls(status, type, message, headers);
}
