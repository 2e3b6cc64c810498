// Accounts in the browser: who is logged in, logging in and out, and readable login messages.
import { ApiError, getJSON, problemMessage } from "./api.js";

// highest first: the header names the user's roles in this order
export const ROLE_ORDER = ["admin", "admin_kota", "inspektur", "dishub_reviewer", "dishub", "opd_staff", "sekolah", "warga"];

/** Minutes to wait from a Retry-After value (seconds or an HTTP date), at least 1; null if unreadable. */
export function retryMinutes(value, now = Date.now()) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  let seconds;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (!text || Number.isNaN(at)) return null;
    seconds = (at - now) / 1000;
  }
  return Math.max(1, Math.ceil(seconds / 60));
}

/** The message ({key, params, detail}) for a failed login answer (status 0: no answer at all). */
export function loginFailure(status, { retryAfter = null, problem = null } = {}) {
  if (status === 401) return { key: "badCredentials" };
  if (status === 429) {
    const n = retryMinutes(retryAfter);
    return n ? { key: "throttled", params: { n } } : { key: "throttledLater" };
  }
  if (status === 404) return { key: "unknownCity" };
  if (status === 422 || status === 400) return { key: "checkFields", detail: problemMessage(problem, "") };
  if (status === 0) return { key: "networkError" };
  return { key: "serverError" };
}

/** The message for `/masuk?error=<code>&retry=<seconds>` (where a form post without JS lands). */
export function messageForError(code, retry) {
  if (!code) return null;
  if (code === "invalid-credentials") return loginFailure(401);
  if (code === "login-throttled") return loginFailure(429, { retryAfter: retry });
  if (code === "city-not-found") return loginFailure(404);
  if (code === "invalid-input") return { key: "checkFields" };
  return loginFailure(500);
}

/** A path of this site to open after login; anything else (another site, odd text) gives "/". */
export function safeNext(value) {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return "/";
  if (value.includes("\\") || /[\u0000-\u001f\u007f]/.test(value)) return "/";
  return value;
}

/** The i18n keys of a user's roles, highest first, each once. */
export function roleKeys(user) {
  const roles = new Set((user?.roles || []).map((g) => g.role));
  const known = ROLE_ORDER.filter((r) => roles.has(r));
  const other = [...roles].filter((r) => !ROLE_ORDER.includes(r)).sort();
  return [...known, ...other].map((r) => `role_${r}`);
}

/** The OPD codes of a user's opd_staff grants and the NPSN of their school grants (shown
 * beside the role). */
export function opdCodes(user) {
  const grants = user?.roles || [];
  const opds = grants.filter((g) => g.role === "opd_staff" && g.opd).map((g) => g.opd);
  const schools = grants.filter((g) => g.role === "sekolah" && g.npsn).map((g) => `NPSN ${g.npsn}`);
  return [...new Set([...opds, ...schools])];
}

async function send(url, { method = "GET", body, csrf } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf) headers["X-CSRF-Token"] = csrf;
  try {
    return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "Tidak dapat menghubungi server");
  }
}

async function readJSON(response) {
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json().catch(() => null) : null;
}

/** `GET /auth/me`: {authenticated, user, csrf_token}. */
export async function fetchMe() {
  const response = await send("/auth/me");
  const body = await readJSON(response);
  if (!response.ok) throw new ApiError(response.status, body?.title, problemMessage(body, `HTTP ${response.status}`));
  return body;
}

/**
 * What a staff page starts from: the session (`/auth/me`) and the service's `/config`, fetched
 * together. A failure is handed to `onError` and answers {me: null, config: null}, so the page
 * shows its login gate with the message.
 */
export async function staffSession(onError) {
  try {
    const [me, config] = await Promise.all([fetchMe(), getJSON("/config")]);
    return { me, config };
  } catch (err) {
    onError(err);
    return { me: null, config: null };
  }
}

/** `POST /auth/login` as JSON: {ok: true, user, csrf} or {ok: false, message}. */
export async function login({ username, password, city }) {
  let response;
  try {
    response = await send("/auth/login", { method: "POST", body: { username, password, ...(city ? { city } : {}) } });
  } catch {
    return { ok: false, message: loginFailure(0) };
  }
  const body = await readJSON(response);
  if (response.ok && body?.user) return { ok: true, user: body.user, csrf: body.csrf_token };
  const retryAfter = response.headers.get("retry-after");
  return { ok: false, status: response.status, message: loginFailure(response.status, { retryAfter, problem: body }) };
}

/** `POST /auth/logout` with the session's CSRF token; true when the session is gone. */
export async function logout(csrf) {
  try {
    const response = await send("/auth/logout", { method: "POST", csrf });
    return response.ok;
  } catch {
    return false;
  }
}
