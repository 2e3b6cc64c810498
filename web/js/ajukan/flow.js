// "Ajukan" on the citizens' map: pick a service, place the point (tap, drag, my location,
// search) with the similar-nearby hint, or a line from -> to for a transport suggestion, fill
// the form, attach the documents (when the service asks for any), send, get the code.
import * as L from "leaflet";
import { getJSON, problemMessage } from "../api.js";
import { fetchMe } from "../auth.js";
import { el } from "../dom.js";
import { attachPlaceSearch } from "../places.js";
import { myRequestsList } from "./mine.js";
import { IZIN_FIELDS, isIzin, izinBody, renderIzinPlace, stopIzinDrawing } from "./izin.js";
import { drawQr } from "./qr.js";
import {
  allowsLine, buildRequest, checkFile, fieldsFor, formatAmount, formatBytes, missingDocuments, problemFields, trackUrl, windowMessage,
} from "./rules.js";
import { TRANSFER_FIELDS, TRANSFER_TYPE, isProvinceLevel, loadSchools, optionsOf, provinceNotice, showFigures } from "./transfer.js";
import { sendForm } from "./upload.js";

const STEPS = ["service", "place", "form", "docs", "done"];
const $ = (id) => document.getElementById(id);

export class AjukanFlow {
  /** ctx: {citySlug(), lang(), t()} as main.js gives its panels. */
  constructor(map, ctx) {
    this.map = map;
    this.ctx = ctx;
    this.root = $("ajukan");
    this.body = $("ajukan-body");
    this.group = L.layerGroup().addTo(map);
    this.reset();
    $("ajukan-open").addEventListener("click", () => this.open());
    $("ajukan-close").addEventListener("click", () => this.close());
    $("ajukan-back").addEventListener("click", () => this.back());
  }

  /** Who is logged in (asked once per page): {authenticated, user, csrf_token} or null. */
  me() {
    this.mePromise ??= fetchMe().catch(() => null);
    return this.mePromise;
  }

  t(key, params) {
    const t = this.ctx.t();
    return params ? t.format(key, params) : t(key);
  }

  reset() {
    this.state = {
      step: "service", service: null, kind: null, point: null, values: {}, files: {}, hint: null, receipt: null,
      // a line from point -> to (transport suggestions): its end, the end's place check
      shape: "point", to: null, toHint: null, nextEnd: "to",
    };
    this.group.clearLayers();
    this.marker = null;
    this.markerTo = null;
    this.line = null;
  }

  get active() {
    return !this.root.hidden;
  }

  async open() {
    this.root.hidden = false;
    document.body.dataset.ajukan = "open";
    $("panel").classList.remove("open");
    if (this.state.step === "done") this.reset();
    await this.show(this.state.step);
  }

  close() {
    this.root.hidden = true;
    document.body.dataset.ajukan = "closed";
    stopIzinDrawing(this);
    if (this.state.step === "done") this.reset();
  }

  back() {
    const i = STEPS.indexOf(this.state.step);
    if (i <= 0 || this.state.step === "done") return this.close();
    this.show(STEPS[i - 1]);
  }

  /** Re-render the current step (after a language switch). */
  refresh() {
    if (this.active) this.show(this.state.step);
  }

  async show(step) {
    this.state.step = step;
    this.root.dataset.step = step;
    if (step !== "place") stopIzinDrawing(this);
    document.body.dataset.ajukanStep = step;
    const titles = { service: "ajukanTitle", place: "stepPlace", form: "stepForm", docs: "stepDocs", done: "sent" };
    $("ajukan-title").textContent = this.t(titles[step]);
    $("ajukan-steps").replaceChildren(...STEPS.slice(0, 4).map((s, i) => el(
      "li", { class: s === step ? "current" : STEPS.indexOf(step) > i ? "done" : null }, this.t(`step${s[0].toUpperCase()}${s.slice(1)}`),
    )));
    const render = { service: () => this.renderService(), place: () => this.renderPlace(), form: () => this.renderForm(), docs: () => this.renderDocs(), done: () => this.renderDone() };
    await render[step]();
    this.body.scrollTop = 0;
  }

  // -- 1. the service and its kind --------------------------------------------------------
  async renderService() {
    const lang = this.ctx.lang();
    this.body.replaceChildren(el("p", { class: "hint" }, this.t("trackLoading")));
    let services;
    try {
      services = await getJSON(`/cities/${encodeURIComponent(this.ctx.citySlug())}/services`);
    } catch (err) {
      this.body.replaceChildren(el("p", { class: "ajukan-error", role: "alert" }, err.message));
      return;
    }
    this.services = services;
    const start = (service) => {
      const button = el("button", { type: "button", class: "primary", dataset: { service: service.type } }, this.t("apply"));
      button.addEventListener("click", () => {
        this.state.service = service;
        this.state.kind = null;
        this.show("place");
      });
      return el("li", null, button);
    };
    const cards = services.map((service) => el(
      "article", { class: "service-card", dataset: { type: service.type } },
      el("h3", null, service.title[lang] || service.title.id),
      el("ul", { class: "kind-list" }, service.kinds.length ? service.kinds.map((kind) => {
        const msg = windowMessage(kind.window, lang);
        const button = el("button", {
          type: "button", class: "primary", dataset: { kind: kind.code }, disabled: !kind.window.open,
        }, kind.title[lang] || kind.title.id);
        button.addEventListener("click", () => {
          if (this.state.service?.type !== service.type) this.clearPlace();
          this.state.service = service;
          this.state.kind = kind.code;
          // "butuh angkot dari sini ke sana" is a line; every other kind starts as a point
          const shape = allowsLine(service) && kind.code === "butuh_trayek" ? "line" : "point";
          if (shape !== this.state.shape) this.clearEnd();
          this.state.shape = shape;
          this.show("place");
        });
        return el("li", null, button, el("p", { class: kind.window.open ? "hint window-open" : "window-closed", dataset: { window: kind.window.open ? "open" : "closed" } }, this.t(msg.key, msg.params)));
      }) : [start(service)]),
    ));
    const links = el("p", null, el("a", { href: "/lacak", class: "ajukan-link" }, this.t("openTracking")), " ",
      el("a", { href: "/usulan", class: "ajukan-link", id: "ajukan-proposals-link" }, this.t("usulanLink")));
    this.body.replaceChildren(el("p", { class: "hint" }, this.t("ajukanIntro")), ...cards, links);
    const me = await this.me();
    if (me?.authenticated && (me.user?.roles || []).some((g) => g.role === "warga")) {
      this.body.append(await myRequestsList(this.t.bind(this), lang));
    }
  }

  // -- 2. the place, with the nearby hint -------------------------------------------------
  renderPlace() {
    if (isIzin(this.state.service)) return renderIzinPlace(this); // the parcel, drawn or uploaded
    const search = el("input", { id: "ajukan-search", type: "search", autocomplete: "off", placeholder: this.t("searchPlace"), "aria-label": this.t("searchPlace") });
    const suggest = el("ul", { class: "suggestions", id: "ajukan-suggest" });
    attachPlaceSearch(search, suggest, {
      citySlug: this.ctx.citySlug, lang: this.ctx.lang, onPick: (hit) => this.setPoint(L.latLng(hit.lat, hit.lon), true),
    });
    const gps = el("button", { type: "button", id: "ajukan-gps", class: "secondary" }, this.t("useMyLocation"));
    gps.addEventListener("click", () => this.locate());
    const next = el("button", { type: "button", id: "ajukan-place-next", class: "primary", disabled: !this.placeOk() }, this.t("next"));
    next.addEventListener("click", () => this.show("form"));
    const line = this.state.shape === "line";
    const transfer = this.state.service?.type === TRANSFER_TYPE;
    this.body.replaceChildren(
      this.shapeChoice(),
      el("p", { class: "hint", id: "ajukan-place-hint" }, this.t(line ? "placeLineHint" : transfer ? "placeHintHome" : "placeHint")),
      el("div", { class: "row" }, gps),
      el("div", { class: "place-field" }, search, suggest),
      el("div", { id: "ajukan-nearby", class: "nearby-hint", role: "status" }),
      line ? el("div", { id: "ajukan-line-end", class: "nearby-hint", role: "status" }) : null,
      el("div", { class: "row" }, next),
    );
    if (!this.state.point) this.setPoint(this.map.getCenter(), false);
    else this.renderHint();
    this.drawLine();
  }

  /** Point or line (from -> to), for services whose place may be a line. */
  shapeChoice() {
    if (!allowsLine(this.state.service)) return null;
    const option = (shape, key) => {
      const button = el("button", {
        type: "button", id: `ajukan-shape-${shape}`, class: this.state.shape === shape ? "primary" : "secondary",
        "aria-pressed": String(this.state.shape === shape),
      }, this.t(key));
      button.addEventListener("click", () => {
        if (this.state.shape === shape) return;
        this.state.shape = shape;
        this.clearEnd();
        this.renderPlace();
      });
      return button;
    };
    return el("div", { class: "row", role: "group", "aria-label": this.t("placeShape") }, option("point", "shapePoint"), option("line", "shapeLine"));
  }

  placeOk() {
    const { point, hint, shape, to, toHint } = this.state;
    const start = Boolean(point && hint && hint.place?.inside);
    if (shape !== "line") return start;
    const distinct = to && (to.lon !== point?.lon || to.lat !== point?.lat);
    return Boolean(start && distinct && toHint?.place?.inside);
  }

  /** A tap on the map while the place step is open: the point, or a line's next end. */
  tap(latlng) {
    if (!this.active || this.state.step !== "place" || isIzin(this.state.service)) return;
    if (this.state.shape !== "line") return this.setPoint(latlng, false);
    if (this.state.nextEnd === "to") this.setTo(latlng);
    else this.setPoint(latlng, false);
    this.state.nextEnd = this.state.nextEnd === "to" ? "from" : "to";
  }

  clearEnd() {
    if (this.markerTo) this.group.removeLayer(this.markerTo);
    if (this.line) this.group.removeLayer(this.line);
    this.markerTo = null;
    this.line = null;
    this.state.to = null;
    this.state.toHint = null;
    this.state.nextEnd = "to";
  }

  clearPlace() {
    this.clearEnd();
    this.group.clearLayers();
    this.marker = null;
    this.state.point = null;
    this.state.hint = null;
  }

  /** The end of a line ("ke sana"): a second, draggable pin, and its place checked. */
  setTo(latlng) {
    this.state.to = { lon: Number(latlng.lng.toFixed(6)), lat: Number(latlng.lat.toFixed(6)) };
    this.state.toHint = null;
    if (!this.markerTo) {
      this.markerTo = L.marker(latlng, {
        draggable: true, autoPan: true, title: this.t("lineTo"),
        icon: L.divIcon({ className: "", html: el("div", { class: "pin pin-ajukan", id: "ajukan-pin-to" }, el("span", null, "→")), iconSize: [26, 26], iconAnchor: [13, 26] }),
      }).addTo(this.group);
      this.markerTo.on("dragend", () => this.setTo(this.markerTo.getLatLng()));
    } else {
      this.markerTo.setLatLng(latlng);
    }
    this.drawLine();
    const next = $("ajukan-place-next");
    if (next) next.disabled = true;
    this.loadToHint();
  }

  drawLine() {
    const { point, to, shape } = this.state;
    if (shape !== "line" || !point || !to) {
      if (this.line) this.group.removeLayer(this.line);
      this.line = null;
      this.renderEnd();
      return;
    }
    const path = [L.latLng(point.lat, point.lon), L.latLng(to.lat, to.lon)];
    if (!this.line) this.line = L.polyline(path, { color: "#1f78b4", weight: 4, dashArray: "6 6", interactive: false }).addTo(this.group);
    else this.line.setLatLngs(path);
    this.renderEnd();
  }

  async loadToHint() {
    const { to, service } = this.state;
    if (!to || !service) return;
    this.toController?.abort();
    this.toController = new AbortController();
    const q = new URLSearchParams({ type: service.type, lon: String(to.lon), lat: String(to.lat) });
    document.body.dataset.nearbyTo = "loading";
    try {
      this.state.toHint = await getJSON(`/cities/${encodeURIComponent(this.ctx.citySlug())}/requests/nearby?${q}`, { signal: this.toController.signal });
    } catch (err) {
      if (err.name === "AbortError") return;
      this.state.toHint = { place: { inside: false }, error: err.message };
    }
    document.body.dataset.nearbyTo = "done";
    this.renderEnd();
  }

  /** What the line's end says: tap for it, its kelurahan, or that it lies outside the city. */
  renderEnd() {
    const box = $("ajukan-line-end");
    if (!box) return;
    const { to, toHint } = this.state;
    let text = this.t("lineToTap");
    if (to && toHint && !toHint.place?.inside) text = toHint.error || this.t("lineToOutside");
    else if (to && toHint?.place?.kelurahan) text = this.t("lineToIn", { kelurahan: toHint.place.kelurahan });
    else if (to) text = this.t("nearbyChecking");
    box.replaceChildren(el("p", { id: "ajukan-line-to", class: to && toHint && !toHint.place?.inside ? "ajukan-error" : "hint" }, text));
    const next = $("ajukan-place-next");
    if (next) next.disabled = !this.placeOk();
  }

  locate() {
    if (!navigator.geolocation) return this.hintText(this.t("noGps"));
    this.hintText(this.t("locating"));
    navigator.geolocation.getCurrentPosition(
      (pos) => this.setPoint(L.latLng(pos.coords.latitude, pos.coords.longitude), true),
      () => this.hintText(this.t("noGps")),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  }

  setPoint(latlng, pan) {
    this.state.point = { lon: Number(latlng.lng.toFixed(6)), lat: Number(latlng.lat.toFixed(6)) };
    this.state.hint = null;
    if (!this.marker) {
      this.marker = L.marker(latlng, {
        draggable: true, autoPan: true, title: this.t("stepPlace"),
        icon: L.divIcon({ className: "", html: el("div", { class: "pin pin-ajukan", id: "ajukan-pin" }, el("span", null, "+")), iconSize: [26, 26], iconAnchor: [13, 26] }),
      }).addTo(this.group);
      this.marker.on("dragend", () => this.setPoint(this.marker.getLatLng(), false));
    } else {
      this.marker.setLatLng(latlng);
    }
    this.drawLine();
    if (pan) this.map.setView(latlng, Math.max(this.map.getZoom(), 16));
    const next = $("ajukan-place-next");
    if (next) next.disabled = true;
    clearTimeout(this.hintTimer);
    this.hintTimer = setTimeout(() => this.loadHint(), 250);
  }

  hintText(text) {
    const box = $("ajukan-nearby");
    if (box) box.replaceChildren(el("p", { class: "hint" }, text));
  }

  async loadHint() {
    const { point, service } = this.state;
    if (!point || !service) return;
    this.hintText(this.t("nearbyChecking"));
    this.hintController?.abort();
    this.hintController = new AbortController();
    const q = new URLSearchParams({ type: service.type, lon: String(point.lon), lat: String(point.lat) });
    document.body.dataset.nearby = "loading";
    try {
      this.state.hint = await getJSON(`/cities/${encodeURIComponent(this.ctx.citySlug())}/requests/nearby?${q}`, { signal: this.hintController.signal });
    } catch (err) {
      if (err.name === "AbortError") return;
      this.state.hint = { place: { inside: false }, count: 0, items: [], error: err.message };
    }
    document.body.dataset.nearby = "done";
    this.renderHint();
  }

  renderHint() {
    const box = $("ajukan-nearby");
    const hint = this.state.hint;
    if (!box || !hint) return;
    const parts = [];
    if (!hint.place?.inside) parts.push(el("p", { class: "ajukan-error", id: "ajukan-outside" }, hint.error || this.t("pointOutside")));
    else {
      if (hint.place.kelurahan) parts.push(el("p", { id: "ajukan-where" }, el("strong", null, this.t("nearbyIn", { kelurahan: hint.place.kelurahan })), hint.place.kecamatan ? `, Kec. ${hint.place.kecamatan}` : ""));
      const sentence = hint.count
        ? this.t("nearbySome", { n: hint.count, r: formatAmount(hint.radius_m), d: hint.days })
        : this.t("nearbyNone");
      parts.push(el("p", { id: "ajukan-nearby-message", class: hint.count ? "nearby-some" : "hint", dataset: { count: String(hint.count) } }, sentence));
      if (hint.items?.length) {
        parts.push(el("ul", { class: "nearby-items" }, hint.items.map((i) => el(
          "li", null, this.statusLabel(i.status, i.status_label), ` · ${i.kelurahan || ""} · ${i.created_on} · ${i.distance_m} m`,
        ))));
      }
    }
    box.replaceChildren(...parts);
    const next = $("ajukan-place-next");
    if (next) next.disabled = !this.placeOk();
  }

  statusLabel(code, fallback) {
    const key = `status_${code}`;
    const text = this.t(key);
    return text === key ? fallback || code : text;
  }

  /** The form's fields for the chosen service. */
  fields() {
    const { service } = this.state;
    if (isIzin(service)) return IZIN_FIELDS;
    return service?.type === TRANSFER_TYPE ? TRANSFER_FIELDS : fieldsFor(service);
  }

  // -- 3. the form ------------------------------------------------------------------------
  async renderForm() {
    const { service } = this.state;
    const lang = this.ctx.lang();
    const transfer = service.type === TRANSFER_TYPE;
    if (transfer) {
      try {
        await loadSchools(this);
      } catch {
        this.schools = [];
      }
    }
    const form = el("form", { id: "ajukan-form", class: "ajukan-form", novalidate: true });
    for (const field of this.fields()) {
      if (field.group) form.append(el("h3", null, this.t(field.group)));
      form.append(this.fieldInput(field, service, lang));
      if (transfer && field.path === "private.student.level") form.append(provinceNotice(this));
      if (transfer && field.path === "attrs.target_npsn") form.append(el("section", { id: "transfer-figures", class: "transfer-figures", "aria-live": "polite" }));
    }
    const level = this.state.values["private.student.level"];
    const next = el("button", { type: "submit", class: "primary", id: "ajukan-form-next", disabled: transfer && isProvinceLevel(service, level) }, this.t("next"));
    form.append(el("p", { id: "ajukan-form-message", class: "ajukan-error", role: "alert", hidden: true }), el("div", { class: "row" }, next));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.checkForm()) this.show("docs");
    });
    this.body.replaceChildren(form);
    if (transfer) {
      for (const path of ["private.student.level", "attrs.target_npsn"]) {
        document.getElementById(`f-${path.replaceAll(".", "-")}`).addEventListener("change", () => {
          if (path.endsWith("level")) {
            this.state.values["attrs.origin_npsn"] = "";
            this.state.values["attrs.target_npsn"] = "";
            this.state.values["private.student.grade"] = "";
            this.renderForm();
          } else showFigures(this);
        });
      }
      showFigures(this);
    }
    if (this.serverErrors) this.showServerErrors();
  }

  /** An alternative picked from the figures table becomes the target school. */
  pickTarget(school) {
    if (!(this.schools || []).some((s) => s.npsn === school.npsn)) this.schools = [...(this.schools || []), school];
    this.state.values["attrs.target_npsn"] = school.npsn;
    document.body.dataset.figures = "loading";
    this.renderForm();
  }

  fieldInput(field, service, lang) {
    const limits = service.limits?.[field.path] || {};
    const id = `f-${field.path.replaceAll(".", "-")}`;
    const value = this.state.values[field.path] ?? "";
    let input;
    if (field.input === "select") {
      const options = field.options
        ? optionsOf(field, service, this, lang)
        : service.organisation_kinds.map((o) => ({ value: o.code, label: o.title[lang] || o.title.id }));
      input = el("select", { id, name: field.path }, el("option", { value: "" }, "—"), options.map((o) => el("option", { value: o.value }, o.label)));
      input.value = value;
    } else if (field.input === "textarea") {
      input = el("textarea", { id, name: field.path, rows: 3, maxlength: limits.maxLength, autocomplete: field.autocomplete });
      input.value = value;
    } else {
      const types = { email: "email", tel: "tel" };
      const numeric = ["amount", "nik", "account", "nisn"].includes(field.input);
      const fixed = { nik: 16, nisn: 10 }[field.input];
      input = el("input", {
        id, name: field.path, type: types[field.input] || "text", maxlength: fixed || limits.maxLength,
        inputmode: numeric ? "numeric" : field.input === "tel" ? "tel" : null, autocomplete: field.autocomplete || "off",
      });
      input.value = value;
    }
    if (field.input === "amount") {
      input.addEventListener("input", () => {
        input.value = formatAmount(input.value);
      });
    }
    input.addEventListener("input", () => {
      this.state.values[field.path] = input.value;
    });
    input.addEventListener("change", () => {
      this.state.values[field.path] = input.value;
    });
    const optional = limits.required ? null : el("span", { class: "optional" }, ` (${this.t("optional")})`);
    return el(
      "div", { class: "field", dataset: { field: field.path } },
      el("label", { for: id }, this.t(field.label), optional),
      input,
      el("p", { class: "field-error", id: `${id}-error`, role: "alert" }),
    );
  }

  /** Browser-side check with the server's limits; marks every failing field. */
  checkForm() {
    const { service, kind, values, point } = this.state;
    const { errors } = buildRequest(service, kind, values, point, this.fields(), this.lineEnd());
    for (const box of this.body.querySelectorAll(".field")) {
      const problem = errors[box.dataset.field];
      box.classList.toggle("invalid", Boolean(problem));
      box.querySelector(".field-error").textContent = problem ? this.t(problem.key, problem.params) : "";
    }
    const message = $("ajukan-form-message");
    const bad = Object.keys(errors);
    message.hidden = !bad.length;
    message.textContent = bad.length ? this.t("fixFields") : "";
    if (bad.length) this.body.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea")?.focus();
    return !bad.length;
  }

  showServerErrors() {
    const { fields, general } = this.serverErrors;
    for (const box of this.body.querySelectorAll(".field")) {
      const text = fields[box.dataset.field];
      box.classList.toggle("invalid", Boolean(text));
      box.querySelector(".field-error").textContent = text || "";
    }
    const message = $("ajukan-form-message");
    if (message) {
      message.hidden = false;
      message.textContent = [this.serverErrors.detail, ...general].filter(Boolean).join(" ");
    }
    this.serverErrors = null;
  }

  /** The line's end when the place is a line, else null (a point). */
  lineEnd() {
    return this.state.shape === "line" ? this.state.to : null;
  }

  // -- 4. the documents, and sending ------------------------------------------------------
  renderDocs() {
    const { service } = this.state;
    const lang = this.ctx.lang();
    const accept = (service.accepted_media_types || []).join(",");
    const rows = service.documents.map((doc) => {
      const id = `doc-${doc.slot}`;
      const input = el("input", { id, type: "file", name: doc.slot, accept, dataset: { slot: doc.slot } });
      const error = el("p", { class: "field-error", id: `${id}-error`, role: "alert" });
      const chosen = this.state.files[doc.slot];
      const note = el("span", { class: "hint file-name" }, chosen ? `${chosen.name} · ${formatBytes(chosen.size, lang)}` : "");
      input.addEventListener("change", () => {
        const file = input.files?.[0] || null;
        const problem = checkFile(file, service);
        error.textContent = problem ? this.t(problem.key, problem.params) : "";
        if (problem || !file) {
          delete this.state.files[doc.slot];
          input.value = "";
          note.textContent = "";
        } else {
          this.state.files[doc.slot] = file;
          note.textContent = `${file.name} · ${formatBytes(file.size, lang)}`;
        }
        this.renderMissing();
      });
      const tag = doc.required ? el("span", { class: "required" }, ` (${this.t("required")})`) : el("span", { class: "optional" }, ` (${this.t("optional")})`);
      return el("div", { class: "field doc", dataset: { slot: doc.slot } }, el("label", { for: id }, doc.label[lang] || doc.label.id, tag), input, note, error);
    });
    const send = el("button", { type: "button", id: "ajukan-send", class: "primary" }, this.t("submit"));
    send.addEventListener("click", () => this.send());
    this.body.replaceChildren(
      el("p", { class: "hint", id: "ajukan-docs-hint" }, rows.length ? this.t("docsHint", { max: formatBytes(service.max_file_bytes, lang) }) : this.t("docsNone")),
      ...rows,
      el("div", { id: "ajukan-missing", class: "ajukan-error", role: "alert", hidden: true }),
      el("div", { id: "ajukan-progress", class: "upload-progress", hidden: true },
        el("progress", { id: "ajukan-progress-bar", max: 100, value: 0 }), el("span", { id: "ajukan-progress-text" })),
      el("p", { id: "ajukan-send-message", class: "ajukan-error", role: "alert", hidden: true }),
      el("div", { class: "row" }, send),
    );
  }

  renderMissing(force = false) {
    const box = $("ajukan-missing");
    if (!box || (box.hidden && !force)) return [];
    const lang = this.ctx.lang();
    const missing = missingDocuments(this.state.service, this.state.files);
    box.hidden = !missing.length;
    box.replaceChildren(...(missing.length ? [el("p", null, this.t("docsMissing")), el("ul", null, missing.map((d) => el("li", null, d.label[lang] || d.label.id)))] : []));
    return missing;
  }

  async send() {
    if (this.renderMissing(true).length) return;
    const { service, kind, values, point, files } = this.state;
    const { errors, body } = buildRequest(service, kind, values, point, this.fields(), this.lineEnd());
    if (Object.keys(errors).length) return this.show("form").then(() => this.checkForm());
    if (isIzin(service)) izinBody(this, body);
    const form = new FormData();
    form.append("request", JSON.stringify(body));
    for (const [slot, file] of Object.entries(files)) form.append(slot, file, file.name);
    const button = $("ajukan-send");
    const message = $("ajukan-send-message");
    button.disabled = true;
    message.hidden = true;
    $("ajukan-progress").hidden = false;
    const progress = (f) => {
      const n = Math.round(f * 100);
      $("ajukan-progress-bar").value = n;
      $("ajukan-progress-text").textContent = this.t("sending", { n });
    };
    progress(0);
    document.body.dataset.sending = "true";
    const me = await this.me();
    const url = `/cities/${encodeURIComponent(this.ctx.citySlug())}/requests`;
    const answer = await sendForm(url, form, { csrf: me?.authenticated ? me.csrf_token : null, onProgress: progress });
    document.body.dataset.sending = "false";
    button.disabled = false;
    if (answer.status === 201 && answer.body?.code) {
      this.state.receipt = answer.body;
      return this.show("done");
    }
    $("ajukan-progress").hidden = true;
    this.failed(answer);
  }

  failed({ status, body }) {
    const split = problemFields(body, this.fields().map((f) => f.path));
    if (Object.keys(split.fields).length) {
      this.serverErrors = { ...split, detail: body?.detail };
      return this.show("form");
    }
    for (const [slot, text] of Object.entries(split.documents)) {
      const box = $(`doc-${slot}-error`);
      if (box) box.textContent = text;
    }
    const message = $("ajukan-send-message");
    message.hidden = false;
    message.textContent = status === 0 ? this.t("networkError") : problemMessage(body, `HTTP ${status}`);
  }

  // -- 5. the code ------------------------------------------------------------------------
  renderDone() {
    const { code } = this.state.receipt;
    const url = trackUrl(code, location.origin);
    const canvas = el("canvas", { id: "ajukan-qr", role: "img", "aria-label": url });
    const copied = el("span", { class: "hint", id: "ajukan-copied", role: "status" });
    const copy = el("button", { type: "button", id: "ajukan-copy", class: "secondary" }, this.t("copy"));
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(code);
      } catch {
        const range = document.createRange();
        range.selectNodeContents($("ajukan-code"));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
      }
      copied.textContent = this.t("copied");
    });
    const again = el("button", { type: "button", class: "secondary", id: "ajukan-again" }, this.t("newRequest"));
    again.addEventListener("click", () => {
      this.reset();
      this.show("service");
    });
    const receipt = this.state.receipt;
    this.body.replaceChildren(
      el("p", null, this.t("yourCode")),
      el("p", { id: "ajukan-code", class: "big-code" }, code),
      el("p", { class: "hint" }, receipt.kelurahan ? `Kel. ${receipt.kelurahan}${receipt.kecamatan ? `, Kec. ${receipt.kecamatan}` : ""}` : ""),
      receipt.figures ? el("p", { id: "ajukan-figures" }, receipt.figures.explanation) : "",
      el("div", { class: "row" }, copy, copied),
      canvas,
      el("p", { class: "hint" }, this.t("keepCode")),
      el("p", null, el("a", { href: url, id: "ajukan-track-link", class: "ajukan-link" }, this.t("openTracking"))),
      el("div", { class: "row" }, again),
    );
    drawQr(canvas, url, 200);
    this.group.clearLayers();
    this.marker = null;
    this.markerTo = null;
    this.line = null;
  }
}
