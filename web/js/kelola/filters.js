// The filter bar of the workspace: service type, statuses (several), date range, OPD (city
// admins), and the map's measure. Calls onChange(filters) after every change.
import { el } from "../dom.js";
import { codeLabel } from "./format.js";
import { lastTwelveMonths } from "./query.js";

// the types the core serves and their states in workflow order (labels come from i18n.js);
// states the server names that are not listed here are added when they are first seen
export const KNOWN_TYPES = {
  bantuan: ["diajukan", "verifikasi_dokumen", "perlu_perbaikan", "evaluasi", "rekomendasi", "ditetapkan", "ditolak", "nphd", "dicairkan", "lpj", "selesai"],
};

const $ = (id) => document.getElementById(id);

export class Filters {
  constructor({ t, admin, onChange }) {
    this.t = t;
    this.admin = admin;
    this.onChange = onChange;
    this.statuses = [...new Set(Object.values(KNOWN_TYPES).flat())];
    this.opds = new Set();
    const range = lastTwelveMonths();
    this.defaults = { type: "", status: [], from: range.from, to: range.to, opd: "", measure: "count" };
    this.value = { ...this.defaults, status: [] };
    $("f-opd-field").hidden = !admin;
    $("f-type").addEventListener("change", () => this._set({ type: $("f-type").value }));
    $("f-from").addEventListener("change", () => this._set({ from: $("f-from").value }));
    $("f-to").addEventListener("change", () => this._set({ to: $("f-to").value }));
    $("f-opd").addEventListener("change", () => this._set({ opd: $("f-opd").value.trim().toUpperCase() }));
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

  /** Statuses the server answered with that the list does not know yet. */
  addStatuses(codes) {
    const fresh = codes.filter((c) => c && !this.statuses.includes(c));
    if (!fresh.length) return;
    this.statuses.push(...fresh);
    this._renderStatuses();
  }

  /** OPD codes seen in answers, offered to city admins as they type. */
  addOpds(codes) {
    const before = this.opds.size;
    for (const c of codes) if (c) this.opds.add(c);
    if (this.opds.size !== before) $("f-opd-options").replaceChildren(...[...this.opds].sort().map((c) => el("option", { value: c })));
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
      ...Object.keys(KNOWN_TYPES).map((code) => el("option", { value: code }, codeLabel(t, "type", code))),
    );
    type.value = this.value.type;
    $("f-from").value = this.value.from;
    $("f-to").value = this.value.to;
    $("f-opd").value = this.value.opd;
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
      return el("label", { class: "check", dataset: { status: code } }, box, " ", codeLabel(t, "status", code));
    });
    list.replaceChildren(...(legend ? [legend] : []), ...boxes);
    this._renderSummary();
  }

  _renderSummary() {
    const n = this.value.status.length;
    const text = n === 0 ? this.t("allStatuses") : n === 1 ? codeLabel(this.t, "status", this.value.status[0]) : this.t.format("nStatuses", { n });
    $("f-status-summary").textContent = text;
  }
}
