// A check as text: the verdict, the plain summary, the "indikatif" label and one row per check
// (verdict chip, title, message, figures). Used by the applicant's flow, its printable sheet
// and the staff view; every text from data goes in as text.
import { el } from "../dom.js";
import { figureRows, formatArea, verdictKey } from "./geom.js";

const pick = (obj, base, lang) => (lang === "en" ? obj[`${base}_en`] || obj[`${base}_id`] : obj[`${base}_id`] || obj[`${base}_en`]) || "";

/** The words of a figure's key ("area_m2" -> "Luas"); zone names and unknown keys as they are. */
export function figureLabel(t, key) {
  const word = t(`izF_${key}`);
  return word === `izF_${key}` ? key : word;
}

/** A verdict chip: <span class="izin-chip" data-verdict=...>Lolos</span>. */
export function verdictChip(t, verdict) {
  return el("span", { class: "izin-chip", dataset: { verdict: String(verdict ?? "") } }, t(verdictKey(verdict)));
}

/** The label that says the result is indicative, not the legal KKPR/KRK. */
export function indicativeLabel(t) {
  return el("p", { class: "izin-indicative" }, el("strong", null, t("izIndicative")), " — ", t("izIndicativeNote"));
}

/** The whole explained check: verdict, summary, label, per-check list. */
export function checkReport(t, lang, result, { id = null } = {}) {
  const checks = (result?.checks || []).map((c) => {
    const rows = figureRows(c.figures, lang);
    return el("li", { class: "izin-check", dataset: { check: String(c.id ?? ""), verdict: String(c.verdict ?? "") } },
      el("div", { class: "izin-check-head" }, verdictChip(t, c.verdict), " ", el("strong", null, pick(c, "title", lang) || String(c.id ?? ""))),
      el("p", { class: "izin-check-message" }, pick(c, "message", lang)),
      rows.length ? el("dl", { class: "izin-figures" }, rows.flatMap(([k, v]) => [el("dt", null, figureLabel(t, k)), el("dd", null, v)])) : null);
  });
  return el("section", { class: "izin-report", id, dataset: { verdict: String(result?.verdict ?? "") } },
    el("p", { class: "izin-verdict" }, t("izCheckResult"), " ", verdictChip(t, result?.verdict)),
    el("p", { class: "izin-summary" }, pick(result || {}, "summary", lang)),
    indicativeLabel(t),
    el("h4", null, t("izChecksTitle")),
    el("ul", { class: "izin-checks" }, checks));
}

/** The draft KRK-style sheet (shown only when printing): title, label, parcel, use, date, result. */
export function printSheet(t, lang, result, { use, city }) {
  const area = result?.parcel?.area_m2;
  const date = new Date().toLocaleDateString(lang === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "long", year: "numeric" });
  return el("section", { class: "izin-sheet", id: "izin-sheet", "aria-hidden": "true" },
    el("h2", null, t("izSheetTitle")),
    el("p", { class: "izin-sheet-label" }, t("izIndicative")),
    el("dl", { class: "izin-figures" },
      el("dt", null, t("city")), el("dd", null, city || ""),
      el("dt", null, t("izSheetParcel")), el("dd", null, formatArea(area, lang)),
      el("dt", null, t("izSheetUse")), el("dd", null, use || ""),
      el("dt", null, t("izSheetDate")), el("dd", null, date)),
    checkReport(t, lang, result));
}
