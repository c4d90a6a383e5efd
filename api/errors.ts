import { DnsfleetError } from '../dataplane/dns/error';

/**
 * The errors the REST API answers with. Each class is one HTTP status; the message is what the
 * caller reads in `{"status": "failed", "message": …}` (RcodeZero's error shape, "4.5.
 * Responses" of its documentation), so it names the zone, RRset or field that is wrong.
 */
export abstract class ApiError extends DnsfleetError {
  abstract readonly status: number;
}

/** 400: the request cannot be read (not JSON, a field of the wrong type, an unknown changetype). */
export class BadRequestError extends ApiError {
  readonly status = 400;
}

/** 401: no token, or one that no tenant has (RcodeZero: "Unauthorized request will be rejected with HTTP error code 401"). */
export class UnauthorizedError extends ApiError {
  readonly status = 401;
}

/** 403: the tenant's quota would be exceeded; nothing was created or changed. */
export class QuotaExceededError extends ApiError {
  readonly status = 403;
}

/** 404: no such zone in the tenant's namespace (another tenant's zone is also "not found"). */
export class NotFoundError extends ApiError {
  readonly status = 404;
}

/** 409: the zone or RRset exists already, or the object changed under the request too often. */
export class ConflictError extends ApiError {
  readonly status = 409;
}

/** 413: the body is larger than the API reads. */
export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
}

/** 422: well-formed, but the zone model or the API server refuses the result (a CNAME beside other data…). */
export class UnprocessableError extends ApiError {
  readonly status = 422;
}

/** 429: too many requests (a token over its rate, or an address locked out after failed authentications). */
export class TooManyRequestsError extends ApiError {
  readonly status = 429;
  constructor(
    message: string,
    /** Unix time (seconds) at which requests are taken again. */
    readonly resetAt: number,
    context: Readonly<Record<string, unknown>> = {},
  ) {
    super(message, { ...context, resetAt });
  }
}

/** 503: the API server (the store of every zone) could not be reached or failed. */
export class BackendError extends ApiError {
  readonly status = 503;
}
