import { env } from "@/config/env";
import { ApiError, toApiError } from "@/shared/api/api-error";
import { isRole, type Role } from "./session";

/**
 * Return the role of `apiKey`. The API has no "who am I" route, so this asks the
 * admin-only key list: 200 means admin; 403 names the key's role in its details;
 * 401 means the key is refused (thrown).
 */
export async function probeRole(apiKey: string): Promise<Role> {
  const response = await fetch(`${env.apiBase}/api/v1/keys`, {
    headers: { Authorization: `Bearer ${apiKey}`, Accept: "application/json" },
  });
  if (response.ok) return "admin";
  const body: unknown = await response.json().catch(() => null);
  const error = toApiError(response.status, body, response.statusText);
  if (response.status === 403 && isRole(error.details.role)) return error.details.role;
  if (response.status === 401) throw new ApiError(401, error.code, "This API key is not valid (or was revoked).");
  throw error;
}
