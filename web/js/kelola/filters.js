// The filter bar of the workspace: service type, statuses (several), date range, OPD (city
// admins), and the map's measure. Calls onChange(filters) after every change.
import { el } from "../dom.js";
import { codeLabel } from "./format.js";
import { lastTwelveMonths } from "./query.js";

// The types, their states (in workflow order) and the city's OPDs come from the server
// (GET /cities/{city}/requests/facets, setFacets); labels from i18n.js, else the server's.
// States an answer names that the facets did not list are added when first seen.

/** The statuses of the facets' types, each once, in workflow order (first type first). */
export function facetStatuses(types) {
  const seen = [];
  for (const type of types || []) for (const s of type.states || []) if (!seen.includes(s.code)) seen.push(s.code);
  return seen;
}

const $ = (id) => document.getElementById(id);

export class Filters {
  constructor({ t, admin, onChange }) {
    this.t = t;
    this.admin = admin;
    this.onChange = onChange;
    this.types = [];
    this.statuses = [];
    this.stateLabels = {};
    this.opds = [];
    const range = lastTwelveMonths();
    this.defaults = { type: "", status: [], from: range.from, to: range.to, opd: "", measure: "count" };
    this.value = { ...this.defaults, status: [] };
    $("f-opd-field").hidden = !admin;
    $("f-type").addEventListener("change", () => this._set({ type: $("f-type").value }));
    $("f-from").addEventListener("change", () => this._set({ from: $("f-from").value }));
    $("f-to").addEventListener("change", () => this._set({ to: $("f-to").value }));
    $("f-opd").addEventListener("change", () => this._set({ opd: $("f-opd").value }));
    for (const radio of document.querySelectorAll("#filters input[name=measure]")) {
      radio.addEventListener("change", () => radio.checked && this._set({ measure: radio.value }));
    }
    $("f-reset").addEventListener("click", () => {
      this.value = { ...this.defaults, status: [] };
      this.render();
      this.onChange(this.value);
    });
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    this.render();
  }

  setTranslator(t) {
    this.t = t;
    this.render();
  }

  /** The types with their states and the OPDs the server offers (the facets endpoint). */
  setFacets({ types = [], opds = [] } = {}) {
    this.types = types;
    this.opds = opds;
    for (const type of types) for (const s of type.states || []) this.stateLabels[s.code] ??= s.label;
    const known = facetStatuses(types);
    this.statuses = [...known, ...this.statuses.filter((c) => !known.includes(c))];
    this.render();
  }

  /** Statuses the server answered with that the list does not know yet. */
  addStatuses(codes) {
    const fresh = codes.filter((c) => c && !this.statuses.includes(c));
    if (!fresh.length) return;
    this.statuses.push(...fresh);
    this._renderStatuses();
  }


  _set(change) {
    this.value = { ...this.value, ...change };
    this._renderSummary();
    this.onChange(this.value);
  }

  render() {
    const t = this.t;
    const type = $("f-type");
    type.replaceChildren(
      el("option", { value: "" }, t("allTypes")),
      ...this.types.map((type) => el("option", { value: type.code }, codeLabel(t, "type", type.code, t.lang === "en" ? type.title_en : type.title_id))),
    );
    type.value = this.value.type;
    $("f-from").value = this.value.from;
    $("f-to").value = this.value.to;
    const opd = $("f-opd");
    opd.replaceChildren(
      el("option", { value: "" }, t("allOpd")),
      ...this.opds.map((o) => el("option", { value: o.code }, `${o.code} — ${o.name}`)),
    );
    opd.value = this.value.opd;
    for (const radio of document.querySelectorAll("#filters input[name=measure]")) radio.checked = radio.value === this.value.measure;
    this._renderStatuses();
  }

  _renderStatuses() {
    const t = this.t;
    const list = $("f-status-list");
    const legend = list.querySelector("legend");
    const boxes = this.statuses.map((code) => {
      const box = el("input", { type: "checkbox", value: code, name: "status" });
      box.checked = this.value.status.includes(code);
      box.addEventListener("change", () => {
        const chosen = [...list.querySelectorAll("input[name=status]:checked")].map((b) => b.value);
        this._set({ status: chosen });
      });
      return el("label", { class: "check", dataset: { status: code } }, box, " ", codeLabel(t, "status", code, this.stateLabels[code]));
    });
    list.replaceChildren(...(legend ? [legend] : []), ...boxes);
    this._renderSummary();
  }

  _renderSummary() {
    const n = this.value.status.length;
    const text = n === 0 ? this.t("allStatuses") : n === 1 ? codeLabel(this.t, "status", this.value.status[0], this.stateLabels[this.value.status[0]]) : this.t.format("nStatuses", { n });
    $("f-status-summary").textContent = text;
  }
}
