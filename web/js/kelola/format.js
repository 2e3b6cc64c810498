// Words and numbers of the workspace: labels of codes in the chosen language, dates, amounts.
import { formatRupiah } from "../styles.js";

const TZ = "Asia/Jakarta"; // the cities served keep WIB
// fields whose values are codes with a label in the catalogue (val_<code>)
const CODED = new Set(["kind", "organisation_kind", "reason"]);

/** The label of a code (`status`, `diajukan`) from the catalogue, else the server's, else the code. */
export function codeLabel(t, prefix, code, fallback) {
  if (code === null || code === undefined || code === "") return "–";
  const key = `${prefix}_${code}`;
  const found = t(key);
  return found !== key ? found : fallback || String(code);
}

function dateFormat(lang, withTime) {
  const locale = lang === "en" ? "en-GB" : "id-ID";
  const options = { timeZone: TZ, day: "numeric", month: "short", year: "numeric" };
  if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit", hour12: false });
  return new Intl.DateTimeFormat(locale, options);
}

/** "2 Des 2026" (with "14.05" when `withTime`), in WIB; "–" for nothing or nonsense. */
export function formatDate(iso, lang = "id", withTime = false) {
  if (!iso) return "–";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "–";
  return dateFormat(lang, withTime).format(at);
}

/** A value of the request's fields as people read it: amounts in rupiah, codes as labels. */
export function attrText(t, key, value) {
  if (value === null || value === undefined || value === "") return "–";
  if (key.endsWith("_idr") && Number.isFinite(Number(value))) return formatRupiah(value);
  if (typeof value === "boolean") return value ? (t.lang === "en" ? "yes" : "ya") : (t.lang === "en" ? "no" : "tidak");
  // computed figures (school transfers) carry their own sentence
  if (typeof value === "object") return typeof value.explanation === "string" ? value.explanation : JSON.stringify(value);
  if (CODED.has(key)) return codeLabel(t, "val", value);
  return String(value);
}

/** Size of a file as "12 kB" / "1,2 MB". */
export function formatBytes(n, lang = "id") {
  const v = Number(n) || 0;
  const locale = lang === "en" ? "en-GB" : "id-ID";
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${Math.round(v / 1024)} kB`;
  return `${(v / 1024 / 1024).toLocaleString(locale, { maximumFractionDigits: 1 })} MB`;
}
