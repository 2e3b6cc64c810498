// The route editor's HTTP API (issue #13): routes and their versions with ETags, saving with
// If-Match and the session's CSRF token, review, diff, snapping, coverage and unmet demand.
import { ApiError, problemMessage } from "../api.js";

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

export class EditorApi {
  constructor(city, csrf) {
    this.city = `/cities/${encodeURIComponent(city)}`;
    this.base = `${this.city}/editor`;
    this.csrf = csrf;
  }

  _write(etag) {
    const headers = {};
    if (this.csrf) headers["X-CSRF-Token"] = this.csrf;
    if (etag) headers["If-Match"] = etag;
    return headers;
  }

  _route(id) {
    return `${this.base}/routes/${encodeURIComponent(id)}`;
  }

  /** {routes: [{id, code, name, direction, colour, active, published_version, length_m, drafts}]} */
  async routes(q, signal) {
    const query = q ? `?q=${encodeURIComponent(q)}` : "";
    return (await call(`${this.base}/routes${query}`, { signal })).data;
  }

  /** The route's published (else newest) version: {feature, etag}. */
  async route(id, signal) {
    const { data, etag } = await call(this._route(id), { signal });
    return { feature: data, etag };
  }

  async version(id, v, signal) {
    const { data, etag } = await call(`${this._route(id)}/versions/${encodeURIComponent(v)}`, { signal });
    return { feature: data, etag };
  }

  async versions(id, signal) {
    return (await call(`${this._route(id)}/versions`, { signal })).data;
  }

  /** Save a draft: {id, version, warnings} and the new ETag. */
  async save(id, etag, body) {
    const { data, etag: next } = await call(`${this._route(id)}/versions`, { method: "POST", body, headers: this._write(etag) });
    return { ...data, etag: next };
  }

  async create(body) {
    const { data, etag } = await call(`${this.base}/routes`, { method: "POST", body, headers: this._write(null) });
    return { ...data, etag };
  }

  async restore(id, v, etag) {
    const { data, etag: next } = await call(`${this._route(id)}/versions/${encodeURIComponent(v)}/restore`, { method: "POST", headers: this._write(etag) });
    return { ...data, etag: next };
  }

  async publish(id, v, etag) {
    const { data, etag: next } = await call(`${this._route(id)}/versions/${encodeURIComponent(v)}/publish`, { method: "POST", headers: this._write(etag) });
    return { ...data, etag: next };
  }

  async sendBack(id, v, etag, note) {
    const { data, etag: next } = await call(`${this._route(id)}/versions/${encodeURIComponent(v)}/return`, { method: "POST", body: { note }, headers: this._write(etag) });
    return { ...data, etag: next };
  }

  async reverse(id, etag) {
    const { data, etag: next } = await call(`${this._route(id)}/reverse`, { method: "POST", headers: this._write(etag) });
    return { ...data, etag: next };
  }

  async diff(id, from, to, signal) {
    return (await call(`${this._route(id)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { signal })).data;
  }

  /** The road path through waypoints ([lon, lat] each); `free`: segment indices kept straight. */
  async snap(waypoints, free = [], signal) {
    return (await call(`${this.city}/routes/snap`, { method: "POST", body: { waypoints, free }, headers: this._write(null), signal })).data;
  }

  async coverage(signal) {
    return (await call(`${this.base}/coverage`, { signal })).data;
  }

  async coveragePreview(geometry, replaces, signal) {
    return (await call(`${this.base}/coverage/preview`, { method: "POST", body: { geometry, replaces: replaces ?? null }, headers: this._write(null), signal })).data;
  }

  async demand(from, to, signal) {
    const q = new URLSearchParams();
    if (from) q.set("from", from);
    if (to) q.set("to", to);
    const query = q.toString();
    return (await call(`${this.base}/demand${query ? `?${query}` : ""}`, { signal })).data;
  }

  async served(geometry, from, to, signal) {
    const body = { geometry };
    if (from) body.from = from;
    if (to) body.to = to;
    return (await call(`${this.base}/demand/served`, { method: "POST", body, headers: this._write(null), signal })).data;
  }
}
