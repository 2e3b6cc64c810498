// A check drawn on a Leaflet map, the same on the citizens' map and in /kelola: overlaps hatched,
// zone pieces coloured by their ITBX verdict (I green, T/B amber, X red), protected areas
// outlined, the parcel on top. SVG (its own renderer) so the hatching is an SVG pattern.
import * as L from "leaflet";
import { el } from "../dom.js";
import { ITBX_COLOURS, VERDICT_COLOURS, formatArea, formatShare, itbxColour } from "./geom.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const PANE = "izinCheck";
export const HATCH = { tidak_lolos: "izin-hatch-red", perlu_kajian: "izin-hatch-amber" };
const PROTECTED_COLOURS = { protected_sawah: "#7a5c00", protected_rth: "#1b6e34", protected_sungai: "#1565c0" };

/** The hatching patterns, once per document: a 0×0 SVG (not display:none, which would hide them). */
export function ensurePatterns(doc = document) {
  if (doc.getElementById("izin-patterns")) return;
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("id", "izin-patterns");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "izin-patterns");
  const defs = doc.createElementNS(SVG_NS, "defs");
  for (const [verdict, id] of Object.entries(HATCH)) {
    const pattern = doc.createElementNS(SVG_NS, "pattern");
    for (const [k, v] of Object.entries({ id, width: "8", height: "8", patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" })) pattern.setAttribute(k, v);
    const line = doc.createElementNS(SVG_NS, "line");
    for (const [k, v] of Object.entries({ x1: "0", y1: "0", x2: "0", y2: "8", stroke: VERDICT_COLOURS[verdict], "stroke-width": "4" })) line.setAttribute(k, v);
    pattern.append(line);
    defs.append(pattern);
  }
  svg.append(defs);
  doc.body.append(svg);
}

const safeClass = (s) => String(s ?? "").replace(/[^A-Za-z0-9_-]/g, "");

function tooltip(t, lang, check, props) {
  const name = [props.code, props.name].filter(Boolean).join(" · ");
  const bits = [];
  if (props.itbx) bits.push(`ITBX ${props.itbx}`);
  if (props.area_m2 !== undefined) bits.push(formatArea(props.area_m2, lang));
  if (props.share !== undefined) bits.push(formatShare(props.share, lang));
  const title = lang === "en" ? check.title_en || check.title_id : check.title_id || check.title_en;
  return el("div", { class: "izin-tip" }, el("strong", null, title || check.id), name ? el("div", null, name) : null, bits.length ? el("div", null, bits.join(" · ")) : null);
}

/** The style of one explaining piece of `check`. */
export function pieceStyle(check, props = {}) {
  const id = String(check.id || "");
  if (id.startsWith("overlap")) {
    const verdict = check.verdict === "lolos" ? "perlu_kajian" : check.verdict;
    return { color: VERDICT_COLOURS[verdict], weight: 2, dashArray: "4 3", fillColor: `url(#${HATCH[verdict] || HATCH.perlu_kajian})`, fillOpacity: 1, className: `izin-piece izin-overlap izin-${safeClass(id)}` };
  }
  if (id === "zoning") {
    const letter = safeClass(String(props.itbx || props.verdict || "").toUpperCase()).slice(0, 1);
    return { color: itbxColour(letter), weight: 1.5, fillColor: itbxColour(letter), fillOpacity: 0.45, className: `izin-piece izin-zone izin-itbx-${letter || "none"}` };
  }
  if (id.startsWith("protected")) {
    return { color: PROTECTED_COLOURS[id] || "#5a2d82", weight: 3, dashArray: "8 4", fill: true, fillOpacity: 0.06, className: `izin-piece izin-protected izin-${safeClass(id)}` };
  }
  return { color: VERDICT_COLOURS[check.verdict] || "#555", weight: 2, fillOpacity: 0.15, className: `izin-piece izin-${safeClass(id)}` };
}

/** Draw `result` (a CheckResult) and the parcel `geometry` into `group` on `map`; returns its bounds. */
export function drawCheck(map, group, result, geometry, { t, lang }) {
  ensurePatterns();
  if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = "450";
  const renderer = (map._izinRenderer ??= L.svg({ pane: PANE, padding: 0.5 }));
  group.clearLayers();
  // zones below, then protected outlines, then overlaps, the parcel on top
  const order = (c) => (c.id === "zoning" ? 0 : String(c.id).startsWith("protected") ? 1 : String(c.id).startsWith("overlap") ? 2 : 3);
  for (const check of [...(result?.checks || [])].sort((a, b) => order(a) - order(b))) {
    const fc = check.features;
    // the intensity and area checks explain with the parcel and zone pieces already drawn
    if (!fc?.features?.length || order(check) === 3) continue;
    L.geoJSON(fc, {
      renderer, pane: PANE, pmIgnore: true, snapIgnore: true,
      style: (f) => pieceStyle(check, f.properties || {}),
      onEachFeature: (f, layer) => layer.bindTooltip(() => tooltip(t, lang, check, f.properties || {}), { sticky: true }),
    }).addTo(group);
  }
  let bounds = null;
  if (geometry) {
    const parcel = L.geoJSON(geometry, { renderer, pane: PANE, pmIgnore: true, snapIgnore: true, interactive: false, style: { color: "#10243e", weight: 3, fill: false, className: "izin-parcel-outline" } }).addTo(group);
    bounds = parcel.getBounds();
  }
  return bounds;
}

/** The map legend of the check styles, as an element. */
export function checkLegend(t) {
  const swatch = (cls, colour) => el("span", { class: `izin-swatch ${cls}`, style: colour ? { background: colour } : null });
  return el("ul", { class: "izin-legend", "aria-label": t("izLegend") },
    el("li", null, swatch("izin-swatch-parcel"), t("izLegendParcel")),
    el("li", null, swatch("izin-swatch-hatch"), t("izLegendOverlap")),
    el("li", null, swatch("", ITBX_COLOURS.I), t("izLegendI")),
    el("li", null, swatch("", ITBX_COLOURS.T), t("izLegendTB")),
    el("li", null, swatch("", ITBX_COLOURS.X), t("izLegendX")),
    el("li", null, swatch("izin-swatch-protected"), t("izLegendProtected")));
}
