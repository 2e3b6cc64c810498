// The request table: sortable columns, overdue marks and step age, a pager of 50 and the total.
import { el } from "../dom.js";
import { codeLabel, formatDate } from "./format.js";
import { PAGE_SIZE, nextSort, pageInfo, sortState } from "./query.js";

const $ = (id) => document.getElementById(id);
// column, the sort it sets (null: not sortable)
const COLUMNS = [
  ["code", null],
  ["title", "title"],
  ["kelurahan", "kelurahan"],
  ["status", "status"],
  ["created_at", "created_at"],
  ["status_changed_at", "status_changed_at"],
];

export class RequestTable {
  constructor({ t, onSort, onPage, onOpen }) {
    this.t = t;
    this.onSort = onSort;
    this.onPage = onPage;
    this.onOpen = onOpen;
    this.sort = "-created_at";
    this.page = { items: [], total: 0, limit: PAGE_SIZE, offset: 0 };
    this.openId = null;
    $("page-prev").addEventListener("click", () => this.onPage(Math.max(0, this.page.offset - this.page.limit)));
    $("page-next").addEventListener("click", () => this.onPage(this.page.offset + this.page.limit));
    this.renderHead();
  }

  setTranslator(t) {
    this.t = t;
    this.renderHead();
    this.render(this.page);
  }

  setSort(sort) {
    this.sort = sort;
    this.renderHead();
  }

  markOpen(id) {
    this.openId = id;
    for (const tr of $("requests-body").querySelectorAll("tr[data-id]")) tr.classList.toggle("open", tr.dataset.id === String(id));
  }

  renderHead() {
    const t = this.t;
    const { column, dir } = sortState(this.sort);
    $("requests-head").replaceChildren(...COLUMNS.map(([name, sortKey]) => {
      const label = t(`col_${name}`);
      if (!sortKey) return el("th", { scope: "col", class: "unsorted" }, label);
      const active = column === sortKey;
      const button = el("button", { type: "button", class: "sort", dataset: { sort: sortKey }, title: t.format("sortBy", { col: label }) },
        label, el("span", { class: "sort-mark", "aria-hidden": "true" }, active ? (dir === "ascending" ? " ▲" : " ▼") : ""));
      button.addEventListener("click", () => this.onSort(nextSort(this.sort, sortKey)));
      return el("th", { scope: "col", "aria-sort": active ? dir : "none" }, button);
    }));
  }

  /** Show a page answer {items, total, limit, offset}. */
  render(page) {
    const t = this.t;
    this.page = page;
    const rows = page.items.map((r) => {
      const age = el("span", { class: "age" }, t.format("days", { n: r.step_age_days ?? 0 }));
      const late = r.overdue ? el("span", { class: "overdue-mark" }, t("overdue")) : null;
      const code = el("button", { type: "button", class: "link open-request", dataset: { id: r.id } }, r.code);
      code.addEventListener("click", (e) => {
        e.stopPropagation();
        this.onOpen(r.id);
      });
      const tr = el("tr", { dataset: { id: r.id, code: r.code }, class: [r.overdue ? "overdue" : "", r.id === this.openId ? "open" : ""].join(" ").trim() || null },
        el("td", { class: "code" }, code, r.demo ? el("span", { class: "demo-tag" }, "demo") : null),
        el("td", { class: "title" }, r.title ?? ""),
        el("td", { class: "kel" }, r.kelurahan ?? r.kelurahan_code ?? "–", el("span", { class: "sub" }, r.kecamatan ?? "")),
        el("td", { class: "status-cell" }, el("span", { class: "status", dataset: { status: r.status } }, codeLabel(t, "status", r.status, r.status_label))),
        el("td", { class: "date" }, formatDate(r.created_at, t.lang)),
        el("td", { class: "age-cell" }, age, late),
      );
      tr.addEventListener("click", () => this.onOpen(r.id));
      return tr;
    });
    if (!rows.length) rows.push(el("tr", { class: "empty" }, el("td", { colspan: COLUMNS.length }, t("noRows"))));
    $("requests-body").replaceChildren(...rows);
    const info = pageInfo(page.total, page.offset, page.limit);
    // past its exact-count limit the server estimates the total: "≈ 12.345"
    const total = `${page.total_exact === false ? "≈ " : ""}${page.total.toLocaleString(t.lang === "en" ? "en-GB" : "id-ID")}`;
    $("list-count").textContent = t.format("listCount", { total });
    $("page-text").textContent = t.format("pagerText", { first: info.first, last: info.last, total });
    $("page-prev").disabled = !info.hasPrev;
    $("page-next").disabled = !info.hasNext;
  }

  loading() {
    $("list-count").textContent = this.t("loading");
  }
}
