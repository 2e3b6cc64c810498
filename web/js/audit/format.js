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
