// The staff API as the workspace calls it: the request list, the choropleth, one request (with
// its ETag), its private data, and a workflow step with If-Match and the session's CSRF token.
import { ApiError, problemMessage } from "../api.js";
import { aggregateQuery, listQuery } from "./query.js";

async function call(url, { method = "GET", body, headers = {}, signal } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      signal,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Tidak dapat menghubungi server");
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, data?.title, problemMessage(data, `HTTP ${response.status}`), data?.errors || []);
    error.problem = data;
    throw error;
  }
  return { data, etag: response.headers.get("etag") };
}

/** The version an ETag names ('"v3"' → 3); null when it is not one of ours. */
export function etagVersion(etag) {
  const m = /^(?:W\/)?"v(\d+)"$/.exec(String(etag ?? "").trim());
  return m ? Number(m[1]) : null;
}

/** The allowed step names of a 409 problem ("allowed: a, b" in its errors, or its `allowed`). */
export function allowedSteps(problem) {
  if (Array.isArray(problem?.allowed)) return problem.allowed.map(String);
  for (const e of problem?.errors || []) {
    const m = /allowed:\s*(.*)$/.exec(String(e?.message ?? ""));
    if (m) return m[1] === "none" ? [] : m[1].split(",").map((s) => s.trim()).filter(Boolean);
  }
  return [];
}

export class StaffApi {
  constructor(city, csrf) {
    this.base = `/cities/${encodeURIComponent(city)}/requests`;
    this.csrf = csrf;
  }

  /** The request types with their states and the city's OPDs, for the filters. */
  async facets(signal) {
    return (await call(`${this.base}/facets`, { signal })).data;
  }

  async list(filters, options, signal) {
    return (await call(`${this.base}${listQuery(filters, options)}`, { signal })).data;
  }

  async byKelurahan(filters, options, signal) {
    return (await call(`${this.base}/by-kelurahan${aggregateQuery(filters, options)}`, { signal })).data;
  }

  /** One request and its version (from the ETag, else the body's `version`). */
  async detail(id, signal) {
    const { data, etag } = await call(`${this.base}/${encodeURIComponent(id)}`, { signal });
    return { request: data, version: etagVersion(etag) ?? data?.version ?? null };
  }

  async privateData(id, signal) {
    return (await call(`${this.base}/${encodeURIComponent(id)}/private`, { signal })).data;
  }

  async step(id, version, body) {
    const headers = { "If-Match": `"v${version}"` };
    if (this.csrf) headers["X-CSRF-Token"] = this.csrf;
    return (await call(`${this.base}/${encodeURIComponent(id)}/transitions`, { method: "POST", body, headers })).data;
  }
}

/** The message key and parameters for a failed step (412 stale, 409 illegal, 428, 401 ...). */
export function stepFailure(error) {
  switch (error?.status) {
    case 412: return { key: "staleVersion", reload: true };
    case 409: return { key: "illegalStep", params: { allowed: allowedSteps(error.problem).join(", ") || "–" }, reload: true };
    case 428: return { key: "needVersion", reload: true };
    case 401: return { key: "sessionEnded" };
    case 404: return { key: "notFoundRequest" };
    case 0: return { key: "networkError" };
    default: return { key: "checkFields", detail: error?.message || "" };
  }
}
