// Entering an audit site on the inspectorate's map: pick a point (one tap) or draw an area
// with Leaflet-Geoman, fill OPD, activity, budget, fiscal year, contractor, contract value and
// progress, and save it through POST /audit-sites; refused fields are listed as the server
// names them (problem+json), and nothing is kept until the server accepts the site.
import * as L from "leaflet";
import { el } from "../dom.js";
import { loadGeoman } from "../editor/map.js";
import { multiPolygonFromLatLngs } from "../izin/geom.js";
import { field } from "./forms.js";
import { fieldErrors, pointFromLatLng, siteBody } from "./format.js";

const STYLE = { color: "#e8731a", weight: 3, fillColor: "#e8731a", fillOpacity: 0.25 };

/** The entry form; ``panel`` is hidden while the map is being drawn on (a phone's panel covers
 * the map), ``onSaved(id)`` runs once the site is in. */
export function siteEntryForm({ map, panel, t, api, opdCodes, onSaved }) {
  const group = L.layerGroup().addTo(map);
  let geometry = null;
  const where = el("p", { id: "site-where", class: "hint", role: "status" }, t("auditSiteNoPlace"));
  const pointButton = el("button", { id: "site-draw-point", type: "button", class: "ghost" }, t("auditSitePoint"));
  const areaButton = el("button", { id: "site-draw-area", type: "button", class: "ghost" }, t("auditSiteArea"));
  const list = el("datalist", { id: "site-opd-codes" }, opdCodes.map((code) => el("option", { value: code })));
  const input = (id, attrs = {}) => el("input", { id, ...attrs });
  const controls = {
    opd_code: input("site-opd", { list: "site-opd-codes", maxlength: "32", required: true, autocapitalize: "characters" }),
    activity: input("site-activity", { maxlength: "300", required: true }),
    budget_idr: input("site-budget", { inputmode: "numeric", required: true, placeholder: "1.500.000.000" }),
    fiscal_year: input("site-year", { type: "number", min: "2000", max: "2100", required: true, value: String(new Date().getFullYear()) }),
    contractor: input("site-contractor", { maxlength: "200" }),
    contract_value_idr: input("site-contract", { inputmode: "numeric" }),
    progress_pct: input("site-progress", { inputmode: "decimal", placeholder: "0–100" }),
  };
  const submit = el("button", { id: "site-submit", type: "submit", class: "primary" }, t("auditSiteSave"));
  const out = el("p", { id: "site-result", class: "hint", role: "status" });
  const errors = el("ul", { id: "site-errors", class: "overdue" });
  const form = el("form", { id: "site-form", class: "audit-form", novalidate: true },
    el("p", { class: "hint" }, t("auditSitePlaceHint")), el("p", null, pointButton, " ", areaButton), where,
    field(t, "fOpd", controls.opd_code), list, field(t, "auditActivity", controls.activity),
    field(t, "auditBudget", controls.budget_idr), field(t, "auditYear", controls.fiscal_year),
    field(t, "auditContractor", controls.contractor), field(t, "auditContract", controls.contract_value_idr),
    field(t, "auditProgressPct", controls.progress_pct), submit, out, errors);

  const shown = (layer, text) => {
    group.clearLayers();
    group.addLayer(layer);
    where.textContent = text;
    form.dataset.shape = geometry.type;
  };
  const onCreate = (e) => {
    map.pm.disableDraw();
    e.layer.remove(); // Geoman put it on the map; it lives in our group
    if (e.shape === "Marker" || e.shape === "CircleMarker") {
      const latlng = e.layer.getLatLng();
      geometry = pointFromLatLng(latlng);
      shown(L.circleMarker(latlng, { ...STYLE, radius: 8 }), t.format("auditSitePointAt", { lon: geometry.coordinates[0], lat: geometry.coordinates[1] }));
    } else {
      geometry = multiPolygonFromLatLngs(e.layer.getLatLngs());
      if (!geometry) return;
      shown(L.polygon(e.layer.getLatLngs(), STYLE), t.format("auditSiteAreaOf", { n: geometry.coordinates[0][0].length - 1 }));
    }
  };
  const draw = async (shape) => {
    const PM = await loadGeoman();
    if (!map.pm) map.pm = new PM.Map(map); // the map was made before Geoman was loaded
    map.pm.setLang(t.lang === "en" ? "en" : "id");
    map.off("pm:create", onCreate);
    map.on("pm:create", onCreate);
    map.once("pm:drawend", () => {
      panel.hidden = false;
      delete document.body.dataset.drawing;
    });
    panel.hidden = true;
    map.getContainer().scrollIntoView({ block: "center" });
    map.pm.enableDraw(shape, shape === "Polygon" ? { snappable: false, allowSelfIntersection: false, pathOptions: STYLE } : { snappable: false });
    document.body.dataset.drawing = shape; // the map takes taps now (tests wait for it)
  };
  pointButton.addEventListener("click", () => draw("CircleMarker"));
  areaButton.addEventListener("click", () => draw("Polygon"));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    out.textContent = "";
    if (!geometry) {
      out.textContent = t("auditSiteNoPlace");
      return;
    }
    const values = Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value]));
    submit.disabled = true;
    try {
      const made = await api.createSite(siteBody(values, geometry));
      group.remove();
      map.off("pm:create", onCreate);
      out.textContent = t("auditSiteSaved");
      await onSaved(made.id);
    } catch (err) {
      out.textContent = err.message;
      errors.replaceChildren(...fieldErrors(err.errors).map((line) => el("li", null, line)));
      submit.disabled = false;
    }
  });
  form.close = () => {
    if (map.pm?.globalDrawModeEnabled?.()) map.pm.disableDraw();
    map.off("pm:create", onCreate);
    group.remove();
  };
  return form;
}
