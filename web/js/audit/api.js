// The e-audit API as the page calls it: GeoJSON sites, one audit with its ETag, steps with
// If-Match, visits, findings, photos (multipart), the office's answers and follow-ups (with a
// photo), new sites, the city's inspectors; the session's CSRF token.
import { ApiError, problemMessage } from "../api.js";
import { siteQuery } from "./format.js";

export class AuditApi {
  constructor(city, csrf) {
    this.base = `/cities/${encodeURIComponent(city)}`;
    this.csrf = csrf;
  }

  async call(path, { method = "GET", body, form, headers = {} } = {}) {
    const h = { Accept: "application/json, application/geo+json", ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    if (method !== "GET" && this.csrf) h["X-CSRF-Token"] = this.csrf;
    let response;
    try {
      response = await fetch(this.base + path, {
        method, headers: h, credentials: "same-origin",
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
    } catch {
      throw new ApiError(0, "network", "Tidak dapat menghubungi server");
    }
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    if (!response.ok) throw new ApiError(response.status, data?.title, problemMessage(data, `HTTP ${response.status}`), data?.errors || []);
    return { data, etag: response.headers.get("etag") };
  }

  async sites(filters) { return (await this.call(`/audit-sites${siteQuery(filters)}`)).data; }
  async site(id) { return (await this.call(`/audit-sites/${id}`)).data; }
  async audit(id) { return this.call(`/audits/${id}`); }
  async byOpd() { return (await this.call("/audits/by-opd")).data; }
  async step(id, etag, body) { return (await this.call(`/audits/${id}/steps`, { method: "POST", body, headers: { "If-Match": etag } })).data; }
  async visit(id, body) { return (await this.call(`/audits/${id}/visits`, { method: "POST", body })).data; }
  async finding(id, body) { return (await this.call(`/audits/${id}/findings`, { method: "POST", body })).data; }
  async createSite(body) { return (await this.call("/audit-sites", { method: "POST", body })).data; }
  async inspectors() { return (await this.call("/audit-inspectors")).data; }

  async photo(auditId, file, { findingId, visitId } = {}) {
    const form = new FormData();
    form.append("photo", file, file.name || "foto.jpg");
    if (findingId) form.append("finding_id", String(findingId));
    if (visitId) form.append("visit_id", String(visitId));
    return (await this.call(`/audits/${auditId}/photos`, { method: "POST", form })).data;
  }

  async findings(query = "") { return (await this.call(`/audit-findings${query}`)).data; }
  async respond(id, text) { return (await this.call(`/audit-findings/${id}/responses`, { method: "POST", body: { text } })).data; }
  async followUp(id, note) { return (await this.call(`/audit-findings/${id}/follow-ups`, { method: "POST", body: { note } })).data; }

  async followUpPhoto(findingId, followupId, file) {
    const form = new FormData();
    form.append("photo", file, file.name || "foto.jpg");
    return (await this.call(`/audit-findings/${findingId}/follow-ups/${followupId}/photos`, { method: "POST", form })).data;
  }

  /** Where a photo of a finding (or of its follow-up) is read, by the inspectorate and the office. */
  photoUrl(findingId, photoId) { return `${this.base}/audit-findings/${findingId}/photos/${photoId}`; }
}
