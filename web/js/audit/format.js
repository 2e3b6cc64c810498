// Pure helpers of the inspectorate's page: rupiah, severity colours, the 60-day clock's words.

export const SEVERITY_COLOURS = { tinggi: "#d7191c", sedang: "#fdae61", rendah: "#e6c700" };
export const SEVERITIES = ["rendah", "sedang", "tinggi"];
export const CATEGORIES = ["kelemahan_spi", "ketidakpatuhan", "potensi_kerugian"];
export const FOLLOWUP_STATUSES = ["belum_ditindaklanjuti", "belum_sesuai", "sesuai", "tidak_dapat_ditindaklanjuti"];

/** "Rp 1.500.000" (Indonesian grouping whatever the language; amounts are rupiah). */
export function rupiah(value) {
  const n = Math.round(Number(value) || 0);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${n < 0 ? "-" : ""}Rp ${digits}`;
}

/** The words of a finding's clock: due in N days, due today, N days late, or no clock yet. */
export function clockText(finding, t) {
  if (finding?.due_date == null || finding?.days_left == null) return t("auditNoClock");
  if (["sesuai", "tidak_dapat_ditindaklanjuti"].includes(finding.followup_status)) return t.format("auditDue", { date: finding.due_date });
  const days = Number(finding.days_left);
  if (days > 0) return t.format("auditDaysLeft", { days, date: finding.due_date });
  if (days === 0) return t.format("auditDueToday", { date: finding.due_date });
  return t.format("auditDaysLate", { days: -days, date: finding.due_date });
}

/** Query string of the site filters (only the ones set). */
export function siteQuery(filters) {
  const params = new URLSearchParams();
  for (const key of ["opd", "fiscal_year", "kecamatan", "severity"]) {
    const value = filters?.[key];
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Distinct sorted values of a property over GeoJSON features ([value, label] pairs). */
export function choices(features, key, labelKey = key) {
  const seen = new Map();
  for (const f of features || []) {
    const value = f?.properties?.[key];
    if (value !== null && value !== undefined && value !== "" && !seen.has(value)) seen.set(value, f.properties[labelKey] ?? value);
  }
  return [...seen.entries()].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
}

/** A rupiah amount typed in a form ("1.500.000", "Rp 2.000") as a number; "" as null; any
 * other text unchanged, so the server names the field it refuses. */
export function parseAmount(text) {
  const raw = String(text ?? "").trim();
  if (raw === "") return null;
  const digits = raw.replace(/^Rp\s*/i, "").replace(/[.\s]/g, "");
  return /^\d+$/.test(digits) ? Number(digits) : raw;
}

/** A number typed with a decimal comma or point ("65,5") as a number; "" as null; other text
 * unchanged. */
export function parseDecimal(text) {
  const raw = String(text ?? "").trim();
  if (raw === "") return null;
  const value = raw.replace(",", ".");
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : raw;
}

/** The body of POST /audit-sites from the form's values and the drawn geometry; optional
 * fields left empty are left out (the server's defaults apply). */
export function siteBody(values, geometry) {
  const body = {
    geometry,
    opd_code: String(values.opd_code ?? "").trim(),
    activity: String(values.activity ?? "").trim(),
    budget_idr: parseAmount(values.budget_idr),
    fiscal_year: parseDecimal(values.fiscal_year),
  };
  const contractor = String(values.contractor ?? "").trim();
  if (contractor) body.contractor = contractor;
  const contract = parseAmount(values.contract_value_idr);
  if (contract !== null) body.contract_value_idr = contract;
  const progress = parseDecimal(values.progress_pct);
  if (progress !== null) body.progress_pct = progress;
  return body;
}

/** A GeoJSON Point [lon, lat] (7 decimals) from a Leaflet LatLng. */
export function pointFromLatLng(latlng) {
  return { type: "Point", coordinates: [Number(latlng.lng.toFixed(7)), Number(latlng.lat.toFixed(7))] };
}

/** Field errors of a problem+json answer as "field: message" lines (the body prefix dropped). */
export function fieldErrors(errors) {
  return (errors || []).map((e) => `${String(e.field ?? "").replace(/^body\./, "")}: ${e.message ?? ""}`);
}
