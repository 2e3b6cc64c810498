// "Izin" (a permit application, PBG) in the Ajukan flow: its place step is the parcel — drawn
// with Leaflet-Geoman (snapping to permitted parcels) or uploaded as a file — with the intended
// use and the building, and "Periksa": the draft check (writes nothing) drawn on the map and
// explained, printable as a draft KRK-style sheet. The form step asks the project and applicant.
import * as L from "leaflet";
import { el } from "../dom.js";
import { draftCheck, measureParcel, permitUses, uploadParcel } from "../izin/api.js";
import { checkLegend, drawCheck } from "../izin/checkmap.js";
import { ParcelDrawer } from "../izin/draw.js";
import { checkBody, formatArea } from "../izin/geom.js";
import { checkReport, printSheet } from "../izin/report.js";

export const IZIN_TYPE = "izin";
const UPLOAD_ACCEPT = ".geojson,.json,.kml,.gpkg,.zip,application/geo+json,application/vnd.google-earth.kml+xml,application/zip";

/** Whether a service is the permit application. */
export function isIzin(service) {
  return service?.type === IZIN_TYPE;
}

/** The form step's fields of a permit application (the parcel and plan come from the place step). */
export const IZIN_FIELDS = [
  { path: "attrs.title", label: "izTitle", input: "text" },
  { group: "izGroupApplicant", path: "contact.name", label: "fName", input: "text", autocomplete: "name" },
  { path: "contact.nik", label: "fNik", input: "nik" },
  { path: "contact.phone", label: "fPhone", input: "tel", autocomplete: "tel" },
  { path: "contact.email", label: "fEmail", input: "email", autocomplete: "email" },
  { path: "contact.address", label: "fAddress", input: "textarea", autocomplete: "street-address" },
];

const PLAN_FIELDS = [
  { key: "use", label: "izUse", select: true },
  { key: "declared_area_m2", label: "izDeclared", group: "izGroupBuilding" },
  { key: "floors", label: "izFloors" },
  { key: "footprint_m2", label: "izFootprint" },
  { key: "green_m2", label: "izGreen", optional: true },
];

const $ = (id) => document.getElementById(id);

function izinState(flow) {
  flow.state.izin ??= { geometry: null, intake: null, values: { use: "", declared_area_m2: "", floors: "1", footprint_m2: "", green_m2: "" }, result: null, checkedKey: null };
  const s = flow.state.izin;
  if (flow.izinRuntime?.state !== s) {
    flow.izinRuntime?.drawer.detach();
    const checkLayer = L.layerGroup();
    const drawer = new ParcelDrawer(flow.map, flow.group, {
      citySlug: flow.ctx.citySlug,
      onChange: (geometry) => parcelChanged(flow, geometry),
      onMode: () => renderTools(flow),
    });
    flow.izinRuntime = { state: s, drawer, checkLayer };
  }
  if (!flow.group.hasLayer(flow.izinRuntime.checkLayer)) flow.izinRuntime.checkLayer.addTo(flow.group);
  return s;
}

/** Leaving the place step (or the flow): no drawing mode left on. */
export function stopIzinDrawing(flow) {
  flow.izinRuntime?.drawer.detach();
}

/** The place step of a permit application. */
export async function renderIzinPlace(flow) {
  const s = izinState(flow);
  const { drawer } = flow.izinRuntime;
  $("ajukan-title").textContent = flow.t("izPlaceTitle");
  const file = el("input", { id: "izin-file", type: "file", accept: UPLOAD_ACCEPT, class: "izin-file" });
  file.addEventListener("change", () => upload(flow, file));
  const check = el("button", { type: "button", id: "izin-check", class: "primary" }, flow.t("izCheck"));
  check.addEventListener("click", () => runCheck(flow));
  const next = el("button", { type: "button", id: "ajukan-place-next", class: "primary" }, flow.t("next"));
  next.addEventListener("click", () => {
    if (!showPlanErrors(flow)) return;
    drawer.detach();
    flow.show("form");
  });
  flow.body.replaceChildren(
    el("p", { class: "hint", id: "ajukan-place-hint" }, flow.t("izPlaceHint")),
    el("div", { class: "row izin-tools", id: "izin-tools" }),
    el("div", { class: "field izin-upload" },
      el("label", { for: "izin-file" }, flow.t("izUpload")), file, el("p", { class: "hint" }, flow.t("izUploadHint"))),
    el("div", { id: "izin-parcel-info", class: "nearby-hint", role: "status" }),
    el("form", { id: "izin-plan", class: "ajukan-form", novalidate: true }, await planFields(flow)),
    el("div", { class: "row" }, check),
    el("p", { id: "izin-check-status", class: "hint", role: "status" }),
    el("div", { id: "izin-result", "aria-live": "polite" }),
    el("p", { id: "izin-plan-message", class: "ajukan-error", role: "alert", hidden: true }),
    el("div", { class: "row" }, next),
  );
  $("izin-plan").addEventListener("submit", (e) => {
    e.preventDefault();
    runCheck(flow);
  });
  await drawer.attach();
  if (s.geometry && !drawer.layer) drawer.show(s.geometry);
  renderTools(flow);
  renderParcelInfo(flow);
  renderResult(flow);
}

function renderTools(flow) {
  const box = $("izin-tools");
  if (!box) return;
  const { drawer } = flow.izinRuntime;
  const button = (id, key, handler, primary = false, disabled = false) => {
    const b = el("button", { type: "button", id, class: primary ? "primary" : "secondary", disabled }, flow.t(key));
    b.addEventListener("click", handler);
    return b;
  };
  const drawing = drawer.mode === "draw";
  box.replaceChildren(
    button("izin-draw", "izDraw", () => drawer.draw(), !drawer.layer, drawing),
    button("izin-edit", drawer.mode === "edit" ? "izEditDone" : "izEdit", () => drawer.toggleEdit(), false, !drawer.layer),
    button("izin-remove", "izRemove", () => drawer.remove(), false, !drawer.layer),
  );
  box.dataset.mode = drawer.mode;
  document.body.dataset.izinMode = drawer.mode;
  if (drawing) box.append(el("p", { class: "hint", id: "izin-drawing-hint" }, flow.t("izDrawing")));
}

async function planFields(flow) {
  const s = flow.state.izin;
  let uses = [];
  try {
    flow.izinUses ??= await permitUses(flow.ctx.citySlug());
    uses = flow.izinUses.uses || [];
  } catch (err) {
    return [el("p", { class: "ajukan-error", role: "alert" }, err.message)];
  }
  const out = [];
  for (const f of PLAN_FIELDS) {
    const id = `izin-${f.key}`;
    let input;
    if (f.select) {
      input = el("select", { id, name: f.key }, el("option", { value: "" }, "—"), uses.map((u) => el("option", { value: u.activity }, u.activity)));
    } else {
      input = el("input", { id, name: f.key, type: "text", inputmode: "decimal", autocomplete: "off" });
    }
    input.value = s.values[f.key] ?? "";
    const update = () => {
      s.values[f.key] = input.value;
      markStale(flow);
    };
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    if (f.group) out.push(el("h3", null, flow.t(f.group)));
    out.push(el("div", { class: "field", dataset: { field: f.key } },
      el("label", { for: id }, flow.t(f.label), f.optional ? el("span", { class: "optional" }, ` (${flow.t("optional")})`) : null),
      input, el("p", { class: "field-error", id: `${id}-error`, role: "alert" })));
  }
  return out;
}

/** Mark the plan's bad fields; true when the check may run. */
function showPlanErrors(flow) {
  const s = flow.state.izin;
  const { errors } = checkBody(s.geometry, s.values);
  for (const box of flow.body.querySelectorAll("#izin-plan .field")) {
    const key = errors[box.dataset.field];
    box.classList.toggle("invalid", Boolean(key));
    box.querySelector(".field-error").textContent = key ? flow.t(key) : "";
  }
  const message = $("izin-plan-message");
  if (message) {
    message.hidden = !Object.keys(errors).length;
    message.textContent = errors.geometry ? flow.t(errors.geometry) : Object.keys(errors).length ? flow.t("fixFields") : "";
  }
  return !Object.keys(errors).length;
}

function parcelChanged(flow, geometry) {
  const s = flow.state.izin;
  s.geometry = geometry;
  s.intake = null;
  renderTools(flow);
  markStale(flow);
  if (!geometry) return renderParcelInfo(flow);
  measure(flow, geometry);
}

async function measure(flow, geometry) {
  const s = flow.state.izin;
  info(flow, flow.t("izMeasuring"));
  document.body.dataset.izinParcel = "loading";
  try {
    const answer = await measureParcel(flow.ctx.citySlug(), geometry, await csrf(flow));
    if (s.geometry !== geometry) return;
    s.intake = { ...answer, drawn: true };
    if (answer.repaired) {
      s.geometry = answer.geometry;
      flow.izinRuntime.drawer.show(answer.geometry);
    }
    if (!s.values.declared_area_m2) {
      s.values.declared_area_m2 = String(Math.round(answer.area_m2));
      const input = $("izin-declared_area_m2");
      if (input) input.value = s.values.declared_area_m2;
    }
  } catch (err) {
    s.intake = { error: err.message, location: err.problem?.location || null };
  }
  document.body.dataset.izinParcel = s.intake?.error ? "error" : "done";
  renderParcelInfo(flow);
}

async function upload(flow, input) {
  const file = input.files?.[0];
  if (!file) return;
  const s = flow.state.izin;
  info(flow, flow.t("izUploading"));
  document.body.dataset.izinParcel = "loading";
  try {
    const answer = await uploadParcel(flow.ctx.citySlug(), file, await csrf(flow));
    s.geometry = answer.geometry;
    s.intake = answer;
    flow.izinRuntime.drawer.show(answer.geometry, { fit: true });
    if (!s.values.declared_area_m2) {
      s.values.declared_area_m2 = String(Math.round(answer.area_m2));
      const box = $("izin-declared_area_m2");
      if (box) box.value = s.values.declared_area_m2;
    }
    markStale(flow);
  } catch (err) {
    // a refused file replaces nothing silently: the old parcel goes, the problem is shown
    flow.izinRuntime.drawer.show(null);
    s.geometry = null;
    s.intake = { error: err.message, location: err.problem?.location || null };
    markStale(flow);
  }
  input.value = "";
  document.body.dataset.izinParcel = s.intake?.error ? "error" : "done";
  renderTools(flow);
  renderParcelInfo(flow);
}

function info(flow, text) {
  $("izin-parcel-info")?.replaceChildren(el("p", { class: "hint" }, text));
}

function renderParcelInfo(flow) {
  const box = $("izin-parcel-info");
  if (!box) return;
  const s = flow.state.izin;
  const lang = flow.ctx.lang();
  const parts = [];
  flow.izinRuntime.problemMarker?.remove();
  if (!s.geometry && !s.intake?.error) parts.push(el("p", { class: "hint", id: "izin-no-parcel" }, flow.t("izNoParcel")));
  if (s.intake?.error) {
    parts.push(el("p", { class: "ajukan-error", id: "izin-parcel-error" }, s.intake.error));
    const at = s.intake.location;
    if (Array.isArray(at) && at.length === 2) {
      flow.izinRuntime.problemMarker = L.circleMarker([at[1], at[0]], { renderer: (flow.map._izinSnapRenderer ??= L.svg({ padding: 0.5 })), radius: 9, color: "#d62828", weight: 3, fillOpacity: 0.3, className: "izin-problem" }).addTo(flow.group);
    }
  } else if (s.intake) {
    parts.push(el("p", { id: "izin-measured" }, el("strong", null, flow.t("izMeasured", { area: formatArea(s.intake.area_m2, lang), n: s.intake.vertices }))));
    if (!s.intake.drawn && s.intake.format) parts.push(el("p", { class: "hint", id: "izin-source" }, flow.t("izFromFile", { format: String(s.intake.format).toUpperCase(), crs: s.intake.crs || "" })));
    if (s.intake.repaired) parts.push(el("p", { class: "izin-repair", id: "izin-repair" }, flow.t("izRepaired", { note: s.intake.repair_note || "" })));
  }
  box.replaceChildren(...parts);
}

function bodyKey(s) {
  return JSON.stringify(checkBody(s.geometry, s.values).body);
}

function markStale(flow) {
  const s = flow.state.izin;
  const status = $("izin-check-status");
  if (s.result && s.checkedKey !== bodyKey(s) && status) status.textContent = flow.t("izCheckStale");
  else if (status && s.result) status.textContent = "";
}

async function runCheck(flow) {
  const s = flow.state.izin;
  if (!showPlanErrors(flow)) return;
  const { body } = checkBody(s.geometry, s.values);
  const status = $("izin-check-status");
  const button = $("izin-check");
  status.textContent = flow.t("izChecking");
  button.disabled = true;
  document.body.dataset.izinCheck = "loading";
  try {
    s.result = await draftCheck(flow.ctx.citySlug(), body, await csrf(flow));
    s.checkedKey = JSON.stringify(body);
    status.textContent = "";
    document.body.dataset.izinCheck = "done";
  } catch (err) {
    status.textContent = err.message;
    status.className = "ajukan-error";
    document.body.dataset.izinCheck = "error";
  }
  button.disabled = false;
  renderResult(flow, true);
}

function renderResult(flow, fit = false) {
  const box = $("izin-result");
  const s = flow.state.izin;
  const { checkLayer } = flow.izinRuntime;
  if (!box) return;
  if (!s.result) {
    checkLayer.clearLayers();
    box.replaceChildren();
    return;
  }
  const lang = flow.ctx.lang();
  const t = flow.ctx.t();
  const bounds = drawCheck(flow.map, checkLayer, s.result, s.geometry, { t, lang });
  if (fit && bounds?.isValid()) flow.map.fitBounds(bounds, { maxZoom: 18, ...visiblePadding(flow) });
  const print = el("button", { type: "button", id: "izin-print", class: "secondary" }, flow.t("izPrint"));
  print.addEventListener("click", () => printDraft(flow));
  box.replaceChildren(checkReport(t, lang, s.result, { id: "izin-report" }), checkLegend(t), el("div", { class: "row" }, print));
  if (fit) box.scrollIntoView?.({ block: "start" });
}

/** fitBounds padding that keeps the parcel clear of the Ajukan panel (right, or a bottom sheet). */
function visiblePadding(flow) {
  const map = flow.map.getContainer().getBoundingClientRect();
  const sheet = flow.root.getBoundingClientRect();
  if (sheet.width < map.width * 0.8) return { paddingTopLeft: [20, 20], paddingBottomRight: [Math.max(20, map.right - sheet.left + 20), 20] };
  return { paddingTopLeft: [20, 20], paddingBottomRight: [20, Math.max(20, map.bottom - sheet.top + 20)] };
}

/** The draft KRK-style sheet: the map and the explained check, the "indikatif" label; print. */
export function printDraft(flow) {
  const s = flow.state.izin;
  if (!s?.result) return;
  const t = flow.ctx.t();
  const lang = flow.ctx.lang();
  $("izin-sheet")?.remove();
  const city = document.getElementById("city-name")?.textContent || "";
  document.body.append(printSheet(t, lang, s.result, { use: s.values.use, city }));
  document.body.classList.add("izin-print");
  flow.map.invalidateSize();
  const bounds = flow.izinRuntime.drawer.layer?.getBounds();
  if (bounds?.isValid()) flow.map.fitBounds(bounds, { maxZoom: 18, padding: [20, 20], animate: false });
  const done = () => {
    document.body.classList.remove("izin-print");
    flow.map.invalidateSize();
  };
  window.addEventListener("afterprint", done, { once: true });
  window.print();
}

async function csrf(flow) {
  const me = await flow.me();
  return me?.authenticated ? me.csrf_token : null;
}

/** Fill the permit's parcel and plan into the request body built from the form fields. */
export function izinBody(flow, body) {
  const s = flow.state.izin;
  const plan = checkBody(s?.geometry ?? null, s?.values ?? {}).body;
  body.geometry = plan.geometry;
  Object.assign(body.attrs, {
    use: plan.use, declared_area_m2: plan.declared_area_m2, floors: plan.floors, footprint_m2: plan.footprint_m2, permit_type: "PBG",
  });
  if (plan.green_m2 !== null) body.attrs.green_m2 = plan.green_m2;
  return body;
}
