// The public list of aid proposals (/usulan), as Sabakota publishes it: organisations are
// public, people are not. The API answers organisation, kind, kelurahan, amounts, status and
// month only; this page shows them as a table (desktop) or cards (phone), with filters and pages.
import { getJSON } from "./api.js";
import { el, setChildren } from "./dom.js";
import { applyTranslations, pickLang, translator } from "./i18n.js";
import { formatRupiah, monthLabel, pageInfo, proposalQuery, yearChoices } from "./proposals.js";

const $ = (id) => document.getElementById(id);
const LIMIT = 25;
const MAX_LIMIT = 100;
const STATUSES = ["diajukan", "verifikasi_dokumen", "perlu_perbaikan", "evaluasi", "rekomendasi", "ditetapkan", "ditolak", "nphd", "dicairkan", "lpj", "selesai"];
const COLUMNS = [
  { key: "organisation", label: "attr_organisation" },
  { key: "kind", label: "attr_kind" },
  { key: "kelurahan", label: "usulanPlace" },
  { key: "amount_requested_idr", label: "attr_amount_requested_idr", numeric: true },
  { key: "amount_approved_idr", label: "attr_approved_amount_idr", numeric: true },
  { key: "status", label: "usulanStatus" },
  { key: "submitted_month", label: "usulanMonth" },
];
const params = new URLSearchParams(location.search);
const state = {
  lang: pickLang(localStorage.getItem("tpo.lang")),
  city: params.get("city") || "",
  filters: { kind: params.get("kind") || "", status: params.get("status") || "", year: params.get("year") || "" },
  limit: Math.min(MAX_LIMIT, Math.max(1, Number.parseInt(params.get("limit"), 10) || LIMIT)),
  offset: 0,
  page: null,
  sort: null, // { key, dir: 1 | -1 } over the rows of the page
  error: null,
};
let t = translator(state.lang);

function label(prefix, code) {
  const key = `${prefix}_${code}`;
  const text = t(key);
  return text === key ? String(code || "–").replaceAll("_", " ") : text;
}

function cellText(row, key) {
  if (key === "organisation") return row.organisation || "–";
  if (key === "kind") return label("val", row.kind);
  if (key === "kelurahan") return [row.kelurahan, row.kecamatan && `Kec. ${row.kecamatan}`].filter(Boolean).join(", ") || "–";
  if (key === "amount_requested_idr" || key === "amount_approved_idr") return formatRupiah(row[key]);
  if (key === "status") return label("status", row.status);
  if (key === "submitted_month") return monthLabel(row.submitted_month, state.lang);
  return String(row[key] ?? "–");
}

function sortedRows() {
  const rows = [...(state.page?.items || [])];
  const s = state.sort;
  if (!s) return rows;
  const numeric = COLUMNS.find((c) => c.key === s.key)?.numeric;
  return rows.sort((a, b) => {
    const x = numeric ? Number(a[s.key] ?? -1) : cellText(a, s.key);
    const y = numeric ? Number(b[s.key] ?? -1) : cellText(b, s.key);
    return (numeric ? x - y : String(x).localeCompare(String(y), "id")) * s.dir;
  });
}

function header(col) {
  const active = state.sort?.key === col.key;
  const button = el("button", { type: "button", class: "sort", dataset: { sort: col.key } }, t(col.label), el("span", { class: "sort-mark", "aria-hidden": "true" }, active ? (state.sort.dir > 0 ? " ▲" : " ▼") : " ↕"));
  button.addEventListener("click", () => {
    state.sort = active ? { key: col.key, dir: -state.sort.dir } : { key: col.key, dir: col.numeric ? -1 : 1 };
    render();
  });
  return el("th", { scope: "col", class: col.numeric ? "num" : null, "aria-sort": active ? (state.sort.dir > 0 ? "ascending" : "descending") : "none" }, button);
}

function render() {
  const message = $("usulan-message");
  message.hidden = !state.error;
  message.textContent = state.error || "";
  const page = state.page;
  const list = $("usulan-list");
  const totals = $("usulan-totals");
  if (!page) {
    list.replaceChildren();
    totals.hidden = true;
    $("usulan-count").textContent = "";
    $("page-prev").disabled = true;
    $("page-next").disabled = true;
    return;
  }
  const info = pageInfo(page.total, page.limit, page.offset);
  $("usulan-count").textContent = page.total ? t("usulanCount").replace("{first}", info.first).replace("{last}", info.last).replace("{total}", page.total) : "";
  if (!page.items.length) {
    list.replaceChildren(el("p", { class: "usulan-empty", id: "usulan-empty" }, t("usulanNone")));
  } else {
    setChildren(list, el("table", { class: "usulan-table", id: "usulan-table" },
      el("caption", { class: "visually-hidden" }, t("usulanTitle")),
      el("thead", null, el("tr", null, COLUMNS.map(header))),
      el("tbody", null, sortedRows().map((row) => el("tr", { class: "proposal", dataset: { kind: row.kind, status: row.status } },
        COLUMNS.map((col) => el(col.key === "organisation" ? "th" : "td", {
          scope: col.key === "organisation" ? "row" : null,
          class: [col.numeric ? "num" : "", `c-${col.key}`].join(" ").trim(),
          dataset: { label: t(col.label) },
        }, col.key === "status" ? el("span", { class: "status-chip", dataset: { status: row.status } }, cellText(row, col.key)) : cellText(row, col.key)))))),
    ));
  }
  totals.hidden = !page.items.length;
  setChildren(totals,
    el("dt", null, t("usulanTotalRequested")), el("dd", { id: "total-requested" }, formatRupiah(page.total_requested_idr)),
    el("dt", null, t("usulanTotalApproved")), el("dd", { id: "total-approved" }, formatRupiah(page.total_approved_idr)),
  );
  $("page-prev").disabled = info.prev === null;
  $("page-next").disabled = info.next === null;
}

async function load() {
  state.error = null;
  document.body.dataset.busy = "true";
  try {
    const query = proposalQuery({ ...state.filters, limit: state.limit, offset: state.offset });
    rememberFilters();
    state.page = await getJSON(`/cities/${encodeURIComponent(state.city)}/proposals?${query}`);
  } catch (err) {
    state.page = null;
    state.error = `${t("loadFailed")}: ${err.message}`;
  }
  render();
  document.body.dataset.busy = "false";
}

/** The filters in the address (a list one can share), without reloading the page. */
function rememberFilters() {
  const url = new URLSearchParams();
  if (params.get("city")) url.set("city", state.city);
  for (const [key, value] of Object.entries(state.filters)) if (value) url.set(key, value);
  if (state.limit !== LIMIT) url.set("limit", String(state.limit));
  const search = url.toString();
  history.replaceState(null, "", search ? `${location.pathname}?${search}` : location.pathname);
}

function fillFilters() {
  const status = $("f-status");
  setChildren(status, el("option", { value: "", "data-i18n": "usulanAllStatus" }, t("usulanAllStatus")),
    STATUSES.map((s) => el("option", { value: s }, label("status", s))));
  const year = $("f-year");
  setChildren(year, el("option", { value: "", "data-i18n": "usulanAllYears" }, t("usulanAllYears")),
    yearChoices().map((y) => el("option", { value: String(y) }, String(y))));
  $("f-kind").value = state.filters.kind;
  status.value = state.filters.status;
  year.value = state.filters.year;
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  document.documentElement.lang = lang;
  document.title = `${t("usulanTitle")} — Tree Point O`;
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
  fillFilters();
  render();
}

async function start() {
  document.body.dataset.busy = "false";
  $("lang-toggle").addEventListener("click", () => setLang(state.lang === "id" ? "en" : "id"));
  setLang(state.lang);
  for (const [id, key] of [["f-kind", "kind"], ["f-status", "status"], ["f-year", "year"]]) {
    $(id).addEventListener("change", () => {
      state.filters[key] = $(id).value;
      state.offset = 0;
      load();
    });
  }
  $("usulan-filters").addEventListener("submit", (e) => e.preventDefault());
  $("page-prev").addEventListener("click", () => {
    const info = state.page && pageInfo(state.page.total, state.page.limit, state.page.offset);
    if (info?.prev !== null && info) { state.offset = info.prev; load(); }
  });
  $("page-next").addEventListener("click", () => {
    const info = state.page && pageInfo(state.page.total, state.page.limit, state.page.offset);
    if (info?.next !== null && info) { state.offset = info.next; load(); }
  });
  try {
    const [config, { cities }] = await Promise.all([getJSON("/config"), getJSON("/cities")]);
    if (!state.city) state.city = config.default_city || cities[0]?.slug || "";
    const city = cities.find((c) => c.slug === state.city);
    $("city-name").textContent = city?.name || state.city;
  } catch (err) {
    state.error = `${t("loadFailed")}: ${err.message}`;
  }
  if (state.city) await load();
  else render();
  document.body.dataset.ready = "true";
}

start();
