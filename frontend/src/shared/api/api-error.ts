// The service answers every failure with {"error": {"code", "message", "details"}}.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** True for answers that retrying cannot change (bad key, role, input, missing thing). */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Return the ApiError for a failed answer: its JSON error body, or the status line. */
export function toApiError(status: number, body: unknown, statusText = ""): ApiError {
  const err = isRecord(body) && isRecord(body.error) ? body.error : null;
  if (err && typeof err.message === "string") {
    const details = isRecord(err.details) ? err.details : {};
    return new ApiError(status, String(err.code ?? "error"), err.message, details);
  }
  if (isRecord(body) && typeof body.detail === "string") {
    return new ApiError(status, "error", body.detail);
  }
  return new ApiError(status, "http_error", `HTTP ${status}${statusText ? ` ${statusText}` : ""}`);
}

/** Say what to do about an error, in one sentence. */
export function advice(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return "The API key was refused: log out and log in with a valid key.";
    if (error.status === 403) {
      const needed = typeof error.details.needed === "string" ? error.details.needed : "a higher";
      return `This needs ${needed} role; ask an admin for a key with it (pas keys create --role ${needed}).`;
    }
    if (error.status === 404) return error.message;
    if (error.status === 503 && error.code === "overloaded") {
      return "The server is at its limit of requests in progress; it retries on its own.";
    }
    if (error.status === 503) return "A service PAS depends on is down; it retries on its own.";
    if (error.status >= 500) return "The server failed; its log says why. Try again.";
    return error.message;
  }
  if (error instanceof TypeError) return "The PAS server cannot be reached: is `pas serve` running?";
  return error instanceof Error ? error.message : String(error);
}
