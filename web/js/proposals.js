// Pure helpers of the public list of aid proposals (/usulan): rupiah, page totals, the query
// string of the filters, the page counter. No DOM here (unit-tested under node).

const RUPIAH = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });

/** "Rp 25.000.000" (Indonesian thousand separators in either language); "–" when unknown. */
export function formatRupiah(amount) {
  if (amount === null || amount === undefined || amount === "") return "–";
  const n = Number(amount);
  if (!Number.isFinite(n)) return "–";
  return `Rp ${RUPIAH.format(Math.round(n))}`;
}

/** The API's query string for the filters (empty filters are left out), e.g. "kind=hibah&limit=25&offset=0". */
export function proposalQuery({ kind = "", status = "", year = "", kelurahan = "", limit = 25, offset = 0 } = {}) {
  const params = new URLSearchParams();
  if (kind) params.set("kind", kind);
  if (status) params.set("status", status);
  if (year) params.set("year", String(year));
  if (kelurahan) params.set("kelurahan", kelurahan);
  params.set("limit", String(limit));
  params.set("offset", String(Math.max(0, offset)));
  return params.toString();
}

/** Where the page is: first/last row shown (1-based), previous/next offsets or null. */
export function pageInfo(total, limit, offset) {
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return {
    first,
    last,
    prev: offset > 0 ? Math.max(0, offset - limit) : null,
    next: offset + limit < total ? offset + limit : null,
  };
}

/** The years one may filter by, newest first: this year back to `since`. */
export function yearChoices(now = new Date(), since = 2020) {
  const years = [];
  for (let y = now.getFullYear(); y >= since; y--) years.push(y);
  return years;
}

/** "2026-03" as "Mar 2026" (Bahasa) or "Mar 2026" (English month names). */
export function monthLabel(month, lang = "id") {
  const m = /^(\d{4})-(\d{2})$/.exec(String(month || ""));
  if (!m) return String(month || "–");
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15));
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { month: "short", year: "numeric", timeZone: "UTC" }).format(d);
}
