// The permit endpoints as the pages call them: the form's activity list, the parcel intake
// (a file or a drawn geometry), the draft check (writes nothing), and staff's stored check.
import { ApiError, getJSON, problemMessage } from "../api.js";

const base = (city) => `/cities/${encodeURIComponent(city)}/permits`;

async function send(url, { method = "POST", json, form, csrf } = {}) {
  const headers = { Accept: "application/json" };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(url, { method, credentials: "same-origin", headers, body: form ?? (json === undefined ? undefined : JSON.stringify(json)) });
  } catch {
    throw new ApiError(0, "network", "Tidak dapat menghubungi server");
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, data?.title, problemMessage(data, `HTTP ${response.status}`), data?.errors || []);
    error.problem = data;
    throw error;
  }
  return data;
}

/** {uses: [{activity}], zones: [{code, name}]} of the city's ITBX table. */
export function permitUses(city) {
  return getJSON(`${base(city)}/uses`);
}

/** The intake of an uploaded file: {geometry, area_m2, vertices, format, crs, repaired, repair_note}. */
export function uploadParcel(city, file, csrf = null) {
  const form = new FormData();
  form.append("file", file, file.name);
  return send(`${base(city)}/parcel`, { form, csrf });
}

/** The same intake for a drawn GeoJSON geometry. */
export function measureParcel(city, geometry, csrf = null) {
  return send(`${base(city)}/parcel`, { json: { geometry }, csrf });
}

/** The draft check (CheckResult JSON); writes nothing. */
export function draftCheck(city, body, csrf = null) {
  return send(`${base(city)}/check`, { json: body, csrf });
}

/** The latest stored check of an application, with version, ran_at, layer_revisions, versions. */
export function storedCheck(city, requestId) {
  return send(`${base(city)}/${encodeURIComponent(requestId)}/check`, { method: "GET" });
}

/** Staff: run the check again and store it (a new version). */
export function recheck(city, requestId, csrf) {
  return send(`${base(city)}/${encodeURIComponent(requestId)}/check`, { json: {}, csrf });
}
