// Pure helpers of the staff workspace: query strings, date ranges, sorting, paging, amounts.

export const PAGE_SIZE = 50;
export const SORTABLE = ["created_at", "status_changed_at", "title", "kelurahan", "status"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const CITY_TZ = "Asia/Jakarta"; // the server counts days in the city's calendar (WIB)
const CITY_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: CITY_TZ, year: "numeric", month: "2-digit", day: "2-digit" });

/** An instant's day as YYYY-MM-DD in the city's calendar (not the browser's: a request sent
 * at 01:00 WIB belongs to that WIB day, whatever clock the browser keeps). */
export function isoDay(date) {
  return CITY_DAY.format(date);
}

/** The default date range: the last 12 months up to the city's today ({from, to}). */
export function lastTwelveMonths(now = new Date()) {
  const to = isoDay(now);
  const [y, m, d] = to.split("-").map(Number);
  const from = new Date(Date.UTC(y - 1, m - 1, d + 1)).toISOString().slice(0, 10);
  return { from, to };
}

/** The filters that both the table and the map send (empty values left out, in a fixed order). */
export function filterParams(filters = {}) {
  const params = [];
  if (filters.type) params.push(["type", filters.type]);
  const statuses = (filters.status || []).filter(Boolean);
  if (statuses.length) params.push(["status", statuses.join(",")]);
  if (filters.from && DAY.test(filters.from)) params.push(["from", filters.from]);
  if (filters.to && DAY.test(filters.to)) params.push(["to", filters.to]);
  if (filters.opd) params.push(["opd", String(filters.opd).trim().toUpperCase()]);
  return params;
}

function encode(params) {
  const search = new URLSearchParams();
  for (const [k, v] of params) search.append(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The query string of `GET /cities/{city}/requests` for the table. */
export function listQuery(filters = {}, { kelurahan, q, overdue, sort, offset = 0, limit = PAGE_SIZE } = {}) {
  const params = filterParams(filters);
  if (kelurahan) params.push(["kelurahan", kelurahan]);
  if (q && q.trim()) params.push(["q", q.trim()]);
  if (overdue) params.push(["overdue", "true"]);
  if (sort && sort !== "-created_at") params.push(["sort", sort]);
  params.push(["limit", limit]);
  if (offset) params.push(["offset", offset]);
  return encode(params);
}

/** The query string of `GET /cities/{city}/requests/by-kelurahan` for the choropleth. */
export function aggregateQuery(filters = {}, { measure = "count", k } = {}) {
  const params = filterParams(filters);
  params.push(["measure", measure === "per_km2" ? "per_km2" : "count"]);
  if (k) params.push(["k", k]);
  return encode(params);
}

/** The sort after a click on column `column`: the same column flips, another starts ascending
 * (dates start newest first). */
export function nextSort(current, column) {
  const desc = current.startsWith("-");
  const now = desc ? current.slice(1) : current;
  if (now === column) return desc ? column : `-${column}`;
  return column.endsWith("_at") ? `-${column}` : column;
}

/** {column, dir} of a sort value ("-created_at" → created_at, "descending"). */
export function sortState(sort) {
  const desc = sort.startsWith("-");
  return { column: desc ? sort.slice(1) : sort, dir: desc ? "descending" : "ascending" };
}

/** Paging facts: {page, pages, first, last, hasPrev, hasNext} (first/last are 1-based rows). */
export function pageInfo(total, offset, limit = PAGE_SIZE) {
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.min(pages, Math.floor(offset / limit) + 1);
  return {
    page,
    pages,
    first: total ? offset + 1 : 0,
    last: Math.min(total, offset + limit),
    hasPrev: offset > 0,
    hasNext: offset + limit < total,
  };
}

/** Digits grouped by dots as Indonesians write amounts ("25000000" → "25.000.000"). */
export function groupThousands(value) {
  const digits = String(value ?? "").replace(/\D/g, "").replace(/^0+(?=\d)/, "");
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

/** The whole rupiah amount typed as "Rp 25.000.000" (or with spaces or commas); null if none. */
export function parseRupiah(text) {
  const digits = String(text ?? "").replace(/\D/g, "");
  if (!digits) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** The transition body from a form's values: only the fields the step knows, empty ones left out. */
export function transitionBody(name, values = {}) {
  const body = { transition: name };
  for (const key of ["public_note", "internal_note", "berita_acara", "lpj"]) {
    const v = typeof values[key] === "string" ? values[key].trim() : "";
    if (v) body[key] = v;
  }
  const amount = parseRupiah(values.approved_amount_idr);
  if (amount !== null) body.approved_amount_idr = amount;
  return body;
}

/** The required fields a step still lacks in `body` (as the server will check them). */
export function missingFields(requires = [], body = {}) {
  return requires.filter((f) => body[f] === undefined || body[f] === null || body[f] === "");
}

/** Whether the signed-in user may use the workspace, and how far: {staff, admin, opds,
 * schools}. A school's staff (role sekolah, one NPSN) work on their school's transfers; the
 * server decides which requests and steps, this only opens the door. */
export function staffAccess(user) {
  const grants = user?.roles || [];
  const admin = grants.some((g) => g.role === "admin_kota" || g.role === "admin");
  const opds = [...new Set(grants.filter((g) => g.role === "opd_staff" && g.opd).map((g) => g.opd))];
  const schools = [...new Set(grants.filter((g) => g.role === "sekolah" && g.npsn).map((g) => g.npsn))];
  const staff = admin || grants.some((g) => g.role === "opd_staff" || g.role === "sekolah");
  return { staff, admin, opds, schools };
}
