// "Pindah sekolah" in the Ajukan flow: the child, the two schools (the nearest of the level to
// the home, from /schools/nearest), the figures of the target and the 5 nearest alternatives
// (from /transfers/alternatives, also drawn on the map), and the province notice for SMA/SMK/SLB.
import * as L from "leaflet";
import { getJSON } from "../api.js";
import { el } from "../dom.js";

export const TRANSFER_TYPE = "pindah_sekolah";

/** The fields of a school transfer, in form order (as AID_FIELDS for aid). */
export const TRANSFER_FIELDS = [
  { group: "groupStudent", path: "private.student.name", label: "fStudentName", input: "text" },
  { path: "private.student.nisn", label: "fNisn", input: "nisn" },
  { path: "private.student.level", label: "fLevel", input: "select", options: "levels" },
  { path: "private.student.grade", label: "fGrade", input: "select", options: "grades", numeric: true },
  { group: "groupSchools", path: "attrs.origin_npsn", label: "fOriginSchool", input: "select", options: "schools" },
  { path: "attrs.target_npsn", label: "fTargetSchool", input: "select", options: "schools" },
  { path: "attrs.reason", label: "fReason", input: "select", options: "reasons" },
  { path: "private.reason_note", label: "fReasonNote", input: "textarea" },
  { path: "private.home_address", label: "fHomeAddress", input: "textarea", autocomplete: "street-address" },
  { group: "groupParent", path: "contact.name", label: "fParentName", input: "text", autocomplete: "name" },
  { path: "contact.phone", label: "fPhone", input: "tel", autocomplete: "tel" },
  { path: "contact.email", label: "fEmail", input: "email", autocomplete: "email" },
];

/** Whether a level is the province's (SMA, SMK, SLB) by the service's catalogue entry. */
export function isProvinceLevel(service, level) {
  return (service.form?.province_levels || []).includes(level);
}

/** The choices of a select field: [{value, label}]. */
export function optionsOf(field, service, flow, lang) {
  const form = service.form || {};
  const level = flow.state.values["private.student.level"];
  if (field.options === "levels") {
    return [...(form.levels || []), ...(form.province_levels || [])].map((v) => ({ value: v, label: v }));
  }
  if (field.options === "grades") return (form.grades?.[level] || []).map((g) => ({ value: String(g), label: String(g) }));
  if (field.options === "reasons") return (form.reasons || []).map((r) => ({ value: r.code, label: r.title[lang] || r.title.id }));
  if (field.options === "schools") {
    return (flow.schools || []).map((s) => ({ value: s.npsn, label: `${s.name} (${s.npsn}) · ${km(s.distance_m)}` }));
  }
  return [];
}

/** "850 m" / "1,2 km". */
export function km(metres) {
  if (metres === null || metres === undefined) return "—";
  return metres >= 1000 ? `${(metres / 1000).toFixed(1).replace(".", ",")} km` : `${Math.round(metres)} m`;
}

function minutes(seconds) {
  return seconds === null || seconds === undefined ? "—" : `${Math.max(1, Math.round(seconds / 60))} mnt`;
}

/** The schools of the chosen level nearest the home, for the two school lists. */
export async function loadSchools(flow) {
  const level = flow.state.values["private.student.level"];
  const { point, service } = flow.state;
  flow.schools = [];
  if (!level || !point || isProvinceLevel(service, level)) return;
  const q = new URLSearchParams({ lon: String(point.lon), lat: String(point.lat), level, limit: "30" });
  const fc = await getJSON(`/cities/${encodeURIComponent(flow.ctx.citySlug())}/schools/nearest?${q}`);
  flow.schools = fc.features.map((f) => f.properties);
}

/** The province notice (or nothing) under the level field. */
export function provinceNotice(flow) {
  const { service } = flow.state;
  const level = flow.state.values["private.student.level"];
  const box = el("div", { id: "transfer-province", class: "ajukan-error", role: "alert", hidden: !isProvinceLevel(service, level) });
  const notice = service.form?.province_notice;
  if (notice) box.append(el("p", null, notice[flow.ctx.lang()] || notice.id));
  return box;
}

/** Fetch and show the target's figures and the 5 nearest alternatives, and draw them. */
export async function showFigures(flow) {
  const box = document.getElementById("transfer-figures");
  if (!box) return;
  const { point } = flow.state;
  const level = flow.state.values["private.student.level"];
  const target = flow.state.values["attrs.target_npsn"];
  flow.figureLayer ??= L.layerGroup().addTo(flow.group);
  flow.figureLayer.clearLayers();
  if (!point || !level || isProvinceLevel(flow.state.service, level)) return box.replaceChildren();
  box.replaceChildren(el("p", { class: "hint" }, flow.t("figuresLoading")));
  document.body.dataset.figures = "loading";
  const q = new URLSearchParams({ lon: String(point.lon), lat: String(point.lat), level });
  if (target) q.set("target", target);
  let data;
  try {
    data = await getJSON(`/cities/${encodeURIComponent(flow.ctx.citySlug())}/transfers/alternatives?${q}`);
  } catch (err) {
    box.replaceChildren(el("p", { class: "ajukan-error" }, err.message));
    document.body.dataset.figures = "error";
    return;
  }
  const parts = [];
  if (data.target) {
    parts.push(el("h3", null, flow.t("figuresTarget")), el("p", { id: "transfer-target-figures" }, data.target.explanation));
  }
  parts.push(el("h3", null, flow.t("figuresAlternatives")));
  const rows = data.alternatives.map((a) => {
    const pick = el("button", { type: "button", class: "secondary", dataset: { npsn: a.npsn } }, flow.t("choose"));
    pick.addEventListener("click", () => flow.pickTarget(a));
    const trip = a.trip.found ? `${minutes(a.trip.duration_s)}, Rp ${a.trip.fare_idr.toLocaleString("id-ID")}` : flow.t("noTrip");
    return el("tr", { dataset: { npsn: a.npsn } },
      el("td", null, `${a.rank}. ${a.name}`), el("td", null, km(a.distance_m)),
      el("td", null, `${km(a.walk_distance_m)} · ${minutes(a.walk_duration_s)}`), el("td", null, trip), el("td", null, pick));
  });
  parts.push(el("div", { class: "table-wrap" }, el("table", { id: "transfer-alternatives", class: "small-table" },
    el("thead", null, el("tr", null, ...["colSchool", "colDistance", "colWalk", "colAngkot", "colPick"].map((k) => el("th", null, flow.t(k))))),
    el("tbody", null, rows))));
  box.replaceChildren(...parts);
  for (const a of [...data.alternatives, ...(data.target ? [data.target] : [])]) {
    const chosen = data.target && a.npsn === data.target.npsn;
    L.circleMarker([a.lat, a.lon], { radius: chosen ? 9 : 6, color: chosen ? "#c0392b" : "#1f6feb", weight: 2, fillOpacity: 0.7 })
      .bindTooltip(el("span", null, a.name)).addTo(flow.figureLayer);
  }
  document.body.dataset.figures = "done";
}
