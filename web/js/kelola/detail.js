// One request as its handling staff see it: a small map, fields, documents, private data on an
// explicit click, timeline, possible duplicates, deadlines, and one button per allowed step.
import * as L from "leaflet";
import { el } from "../dom.js";
import { MvtLayer } from "../mvt.js";
import { featureStyle } from "../styles.js";
import { stepFailure } from "./api.js";
import { attrText, codeLabel, formatBytes, formatDate } from "./format.js";
import { forgetPermit, showPermit } from "./permit.js";
import { groupThousands, missingFields, transitionBody } from "./query.js";

const $ = (id) => document.getElementById(id);
const NOTE_FIELDS = ["public_note", "internal_note"];

function section(title, ...children) {
  return el("section", { class: "detail-section" }, el("h3", null, title), ...children);
}

function facts(rows) {
  return el("dl", { class: "facts" }, rows.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

export class RequestDetail {
  constructor({ t, api, seq, city, basemapUrl, onChanged, onClose, onMessage }) {
    Object.assign(this, { t, api, seq, city, basemapUrl, onChanged, onClose, onMessage });
    this.current = null; // {request, version}
    this.privateData = null;
    this.formFor = null;
    this.notice = null;
    $("detail-close").addEventListener("click", () => this.close());
    $("detail").addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
    });
  }

  setTranslator(t) {
    this.t = t;
    if (this.current) this.render();
  }

  get openId() {
    return this.current?.request?.id ?? this.loadingId ?? null;
  }

  async open(id, { keepNotice = false } = {}) {
    this.loadingId = id;
    if (!keepNotice) this.notice = null;
    if (this.current?.request?.id !== id) {
      this.privateData = null;
      this.formFor = null;
    }
    const box = $("detail");
    box.hidden = false;
    document.body.classList.add("detail-open");
    if (!this.current || this.current.request.id !== id) $("detail-body").replaceChildren(el("p", { class: "hint" }, this.t("loading")));
    let result;
    try {
      result = await this.seq.run("detail", (signal) => this.api.detail(id, signal));
    } catch (err) {
      if (this.loadingId !== id) return;
      this.current = null;
      const failure = stepFailure(err);
      $("detail-title").textContent = "";
      $("detail-body").replaceChildren(el("p", { class: "error" }, failure.key === "checkFields" ? err.message : this.t(failure.key)));
      return;
    }
    if (!result.current) return;
    this.current = result.value;
    this.loadingId = null;
    this.render();
    box.focus({ preventScroll: true });
  }

  close() {
    this.seq.cancel("detail");
    this.seq.cancel("private");
    this.current = null;
    this.loadingId = null;
    this.privateData = null;
    this.formFor = null;
    $("detail").hidden = true;
    document.body.classList.remove("detail-open");
    this.onClose();
  }

  render() {
    const t = this.t;
    const r = this.current.request;
    $("detail-title").replaceChildren(el("span", { class: "detail-code" }, r.code), " ", el("span", null, r.title ?? ""));
    const status = el("p", { class: "detail-status" },
      el("span", { class: "status", dataset: { status: r.status } }, codeLabel(t, "status", r.status, r.status_label)),
      r.overdue ? el("span", { class: "overdue-mark" }, t("overdue")) : null,
      r.demo ? el("span", { class: "demo-tag" }, "demo") : null);
    const mapBox = el("div", { class: "detail-map", id: "detail-map" });
    const body = [
      status,
      this.notice ? this._noticeEl() : null,
      this._actions(r),
      this._timeline(r),
      mapBox,
      facts([
        [t("col_kelurahan"), [r.kelurahan ?? r.kelurahan_code ?? "–", r.kecamatan ? ` · ${r.kecamatan}` : ""]],
        [t("fOpd"), r.opd ?? "–"],
        [t("createdAt"), formatDate(r.created_at, t.lang, true)],
        [t("statusChangedAt"), `${formatDate(r.status_changed_at, t.lang, true)} (${t.format("days", { n: r.step_age_days ?? 0 })})`],
        [t("priority"), String(r.priority ?? "–")],
      ]),
      this._deadlines(r),
      section(t("detailFields"), facts(Object.entries(r.attrs || {}).map(([k, v]) => [codeLabel(t, "attr", k), attrText(t, k, v)]))),
      this._documents(r),
      this._private(r),
      this._similar(r),
    ];
    $("detail-body").replaceChildren(...body.filter(Boolean));
    this._drawMap(mapBox, r.geometry);
    if (r.type === "izin") showPermit(this, r, mapBox); // the parcel check, drawn and explained
  }

  _noticeEl() {
    const n = this.notice;
    const text = n.key === "checkFields" && n.detail ? n.detail : this.t.format(n.key, n.params || {});
    const reload = n.reload
      ? el("button", { type: "button", class: "ghost", id: "detail-reload" }, this.t("reload"))
      : null;
    reload?.addEventListener("click", () => this.open(this.current.request.id));
    return el("div", { class: `notice ${n.kind || "error"}`, role: n.kind === "ok" ? "status" : "alert", id: "detail-notice" }, el("span", null, text), reload);
  }

  _drawMap(box, geometry) {
    this.miniMap?.remove();
    this.miniMap = null;
    if (!geometry) return;
    const map = L.map(box, { zoomControl: false, attributionControl: false, dragging: true, scrollWheelZoom: false });
    if (this.basemapUrl) L.tileLayer(this.basemapUrl, { maxZoom: 19 }).addTo(map);
    new MvtLayer(`/cities/${encodeURIComponent(this.city.slug)}/collections/roads/tiles/WebMercatorQuad/{z}/{x}/{y}`, {
      layerName: "roads", minZoom: 13, maxNativeZoom: 18, style: (p) => featureStyle("roads", p),
    }).addTo(map);
    const shape = L.geoJSON(geometry, {
      style: { color: "#1f4e79", weight: 2, fillOpacity: 0.25 },
      pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#1f4e79", fillOpacity: 1 }),
    }).addTo(map);
    const bounds = shape.getBounds();
    if (geometry.type === "Point") map.setView(bounds.getCenter(), 16);
    else map.fitBounds(bounds, { maxZoom: 17, padding: [10, 10] });
    this.miniMap = map;
  }

  _deadlines(r) {
    const t = this.t;
    const d = r.deadlines || {};
    const due = (at) => (at ? formatDate(at, t.lang) : t("noDeadline"));
    return section(t("deadlines"), facts([
      [t("stepDue"), [due(d.step_due_at ?? r.due_at), d.overdue ? el("span", { class: "overdue-mark" }, t("overdue")) : null]],
      [t("lpjDue"), due(d.lpj_due_at)],
    ]));
  }

  _documents(r) {
    const t = this.t;
    const docs = r.documents || [];
    if (!docs.length) return section(t("detailDocuments"), el("p", { class: "hint" }, t("noDocuments")));
    return section(t("detailDocuments"), el("ul", { class: "documents" }, docs.map((d) => {
      const href = d.url || `/cities/${encodeURIComponent(this.city.slug)}/requests/${r.id}/documents/${d.id}`;
      return el("li", null,
        el("a", { href, download: d.filename || true, rel: "noopener" }, d.slot_label || d.slot),
        el("span", { class: "sub" }, ` ${d.filename ?? ""} · ${formatBytes(d.size_bytes, t.lang)}`));
    })));
  }

  _private(r) {
    const t = this.t;
    if (!r.private_allowed) return null;
    if (!this.privateData) {
      const button = el("button", { type: "button", class: "ghost", id: "show-private" }, t("showPrivate"));
      button.addEventListener("click", () => this._loadPrivate(r.id, button));
      return section(t("privateTitle"), el("p", { class: "hint" }, t("privateNote")), button);
    }
    const p = this.privateData;
    const personRows = (obj) => Object.entries(obj || {}).map(([k, v]) => [codeLabel(t, "attr", k),
      v && typeof v === "object" ? facts(Object.entries(v).map(([k2, v2]) => [codeLabel(t, "attr", k2), attrText(t, k2, v2)])) : attrText(t, k, v)]);
    return section(t("privateTitle"), el("div", { id: "private-data" },
      el("h4", null, t("contact")), facts(personRows(p.contact)),
      Object.keys(p.private || {}).length ? facts(personRows(p.private)) : null));
  }

  async _loadPrivate(id, button) {
    button.disabled = true;
    let result;
    try {
      result = await this.seq.run("private", (signal) => this.api.privateData(id, signal));
    } catch (err) {
      button.disabled = false;
      this.onMessage(err.message);
      return;
    }
    if (!result.current || this.current?.request?.id !== id) return;
    this.privateData = result.value;
    this.render();
  }

  _timeline(r) {
    const t = this.t;
    const events = [...(r.timeline || [])];
    return section(t("timeline"), el("ol", { class: "timeline", id: "timeline" }, events.map((e) => {
      const what = e.transition ? codeLabel(t, "step", e.transition) : null;
      const extra = Object.entries(e.fields || {}).filter(([, v]) => v !== null && v !== "");
      return el("li", { dataset: { to: e.to_status, transition: e.transition ?? "" } },
        el("div", { class: "when" }, formatDate(e.at, t.lang, true), " · ", t.format("byActor", { actor: e.actor || "–" })),
        el("div", { class: "what" }, e.transition ? [what, " → "] : null, el("span", { class: "status", dataset: { status: e.to_status } }, codeLabel(t, "status", e.to_status))),
        e.public_note ? el("p", { class: "note public" }, el("strong", null, `${t("publicNote")}: `), e.public_note) : null,
        e.internal_note ? el("p", { class: "note internal" }, el("strong", null, `${t("internalNote")}: `), e.internal_note) : null,
        extra.length ? facts(extra.map(([k, v]) => [codeLabel(t, "attr", k), attrText(t, k, v)])) : null);
    })));
  }

  _similar(r) {
    const t = this.t;
    const items = r.similar || [];
    if (!items.length) return section(t("similarTitle"), el("p", { class: "hint" }, t("noSimilar")));
    return section(t("similarTitle"), el("ul", { class: "similar" }, items.map((s) => {
      const button = el("button", { type: "button", class: "link", dataset: { id: s.id } }, s.code);
      button.addEventListener("click", () => this.open(s.id));
      return el("li", null, button, ` · ${codeLabel(t, "status", s.status)} · ${t.format("metresAway", { m: Math.round(s.distance_m) })} · ${formatDate(s.created_at, t.lang)}`);
    })));
  }

  _actions(r) {
    const t = this.t;
    const steps = r.transitions || [];
    if (!steps.length) return section(t("actions"), el("p", { class: "hint" }, t("noActions")));
    const buttons = el("div", { class: "actions" }, steps.map((s) => {
      const b = el("button", { type: "button", class: s.name === this.formFor ? "step active" : "step", dataset: { transition: s.name } }, codeLabel(t, "step", s.name, s.label));
      b.addEventListener("click", () => {
        this.formFor = this.formFor === s.name ? null : s.name;
        this.notice = null;
        this.render();
        $("step-form")?.querySelector("textarea, input")?.focus();
      });
      return b;
    }));
    const step = steps.find((s) => s.name === this.formFor);
    return section(t("actions"), buttons, step ? this._form(r, step) : null);
  }

  _form(r, step) {
    const t = this.t;
    const requires = step.requires || [];
    const fields = [...NOTE_FIELDS, ...requires.filter((f) => !NOTE_FIELDS.includes(f))];
    const inputs = {};
    const rows = fields.map((f) => {
      const id = `step-${f}`;
      let input;
      if (f.endsWith("_note")) input = el("textarea", { id, name: f, rows: 3, maxlength: 2000 });
      else if (f === "approved_amount_idr") {
        input = el("input", { id, name: f, type: "text", inputmode: "numeric", autocomplete: "off", placeholder: "25.000.000" });
        input.addEventListener("input", () => {
          input.value = groupThousands(input.value);
        });
      } else input = el("input", { id, name: f, type: "text", maxlength: 200 });
      if (requires.includes(f)) input.required = true;
      inputs[f] = input;
      const mark = requires.includes(f) ? el("span", { class: "required" }, ` (${t("requiredMark")})`) : null;
      return el("div", { class: "form-row" }, el("label", { for: id }, codeLabel(t, "field", f), mark), input);
    });
    const save = el("button", { type: "submit", class: "primary", id: "step-save" }, `${t("saveStep")}: ${codeLabel(t, "step", step.name, step.label)}`);
    const cancel = el("button", { type: "button", class: "ghost" }, t("cancel"));
    cancel.addEventListener("click", () => {
      this.formFor = null;
      this.render();
    });
    // novalidate: the missing fields are named in the page's words (see _take), not a browser bubble
    const form = el("form", { class: "step-form", id: "step-form", novalidate: true, dataset: { transition: step.name } }, rows, el("div", { class: "row" }, save, cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const values = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
      this._take(r, step, values, save);
    });
    return form;
  }

  async _take(r, step, values, button) {
    const t = this.t;
    const body = transitionBody(step.name, values);
    const missing = missingFields(step.requires, body);
    if (missing.length) {
      this.notice = { key: "fieldMissing", params: { fields: missing.map((f) => codeLabel(t, "field", f)).join(", ") } };
      this._showNotice();
      return;
    }
    button.disabled = true;
    try {
      await this.api.step(r.id, this.current.version ?? r.version, body);
    } catch (err) {
      button.disabled = false;
      this.notice = stepFailure(err);
      this._showNotice();
      return;
    }
    this.formFor = null;
    forgetPermit(r.id);
    this.notice = { key: "stepSaved", params: { label: codeLabel(t, "step", step.name, step.label) }, kind: "ok" };
    await this.open(r.id, { keepNotice: true });
    this.onChanged();
  }

  _showNotice() {
    const old = $("detail-notice");
    const fresh = this._noticeEl();
    if (old) old.replaceWith(fresh);
    else $("detail-body").prepend(fresh);
    fresh.scrollIntoView?.({ block: "nearest" });
  }
}
