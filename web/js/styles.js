// Presentation helpers: colours per layer and class, number formats, popup and swatch elements.
import { el } from "./dom.js";

export const LEVEL_COLOURS = {
  SD: "#e4572e", SMP: "#2e86ab", SMA: "#7b2cbf", SMK: "#17a398", SLB: "#f2a541",
};

const LAYER_COLOURS = {
  kota: "#e8731a", kecamatan: "#8a5a44", kelurahan: "#a08c7d", roads: "#9aa5b1",
  angkot_routes: "#1f78b4", schools: "#e4572e", parcels: "#6a994e",
};

export const ROAD_WIDTHS = { primary: 4, secondary: 3, tertiary: 2.2, residential: 1.2 };

export function layerColour(layerId) {
  return LAYER_COLOURS[layerId] || "#555";
}

export function schoolColour(level) {
  return LEVEL_COLOURS[level] || "#777";
}

/**
 * Leaflet path style for a feature of a polygon or line layer; `style` is the layer's style from
 * /collections (colour, width, fill_colour, fill_opacity): the server's colours win over ours.
 */
export function featureStyle(layerId, props = {}, style = null) {
  const base = baseStyle(layerId, props);
  if (!style) return base;
  const own = {};
  const perFeature = style.colour_property && validColour(props[style.colour_property]);
  if (validColour(style.colour) && !perFeature) own.color = style.colour;
  if (Number.isFinite(style.width) && style.width > 0) own.weight = layerId === "roads" ? base.weight : style.width;
  if (validColour(style.fill_colour) && base.fill !== false) own.fillColor = style.fill_colour;
  return { ...base, ...own };
}

function baseStyle(layerId, props) {
  switch (layerId) {
    case "kota":
      return { color: LAYER_COLOURS.kota, weight: 3, fill: false };
    case "kecamatan":
      return { color: LAYER_COLOURS.kecamatan, weight: 2, fillOpacity: 0, dashArray: "6 4" };
    case "kelurahan":
      return { color: LAYER_COLOURS.kelurahan, weight: 1, fillColor: "#f5efe6", fillOpacity: 0.35 };
    case "angkot_routes":
      return { color: validColour(props.colour) || LAYER_COLOURS.angkot_routes, weight: 4, opacity: 0.85 };
    case "parcels":
      return { color: LAYER_COLOURS.parcels, weight: 1.5, fillOpacity: 0.3 };
    case "roads":
      return { color: LAYER_COLOURS.roads, weight: ROAD_WIDTHS[props.road_class] || 1 };
    default:
      return { color: layerColour(layerId), weight: 2 };
  }
}

export function validColour(value) {
  return typeof value === "string" && /^#[0-9a-fA-F]{6}$/.test(value) ? value : null;
}

export function formatRupiah(value) {
  const n = Math.round(Number(value));
  return `Rp ${n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

export function formatMetres(value, lang = "id") {
  const m = Number(value);
  if (m >= 1000) return `${(m / 1000).toFixed(1).replace(".", lang === "id" ? "," : ".")} km`;
  return `${Math.round(m)} m`;
}

/** A property value as people read it (rupiah, minutes, metres, yes/no): plain text. */
export function formatValue(prop, value, t) {
  if (value === null || value === undefined || value === "") return "–";
  switch (prop) {
    case "fare_idr": return formatRupiah(value);
    case "headway_s": return `${t("every")} ${Math.round(Number(value) / 60)} ${t("minutes")}`;
    case "length_m": return formatMetres(value, t.lang);
    case "speed_kmh": return `${Math.round(Number(value))} km/j`.replace("km/j", t.lang === "en" ? "km/h" : "km/j");
    case "oneway":
    case "active": return value ? (t.lang === "en" ? "yes" : "ya") : (t.lang === "en" ? "no" : "tidak");
    default: return String(value);
  }
}

/** A coloured square (or dot, or line) for legends and popups; `colour` must be #rrggbb. */
export function swatch(colour, shape = "") {
  const cls = shape ? `swatch ${shape}` : "swatch";
  return el("span", { class: cls, style: validColour(colour) ? { background: colour } : null });
}

const HIDDEN = new Set(["id", "city_id"]);

// codes of areas, shown by the area's name when it is known ("Kec. Cibodas", not "3671010")
const AREA_CODES = { parent_code: "parent", kelurahan_code: "kelurahan", kecamatan_code: "kecamatan" };

/**
 * Popup element for a feature: its name as a heading, then a table of labelled properties.
 * names(code) → the name of the area with that code (or null), to show names instead of codes.
 */
export function popupContent(layerTitle, props, t, names = null) {
  const title = props.name ?? props.code ?? layerTitle;
  const rows = Object.entries(props)
    .filter(([k]) => !HIDDEN.has(k) && k !== "name")
    .map(([k, v]) => {
      const area = AREA_CODES[k] && names?.(v);
      if (area) return el("tr", null, el("th", null, t.label(AREA_CODES[k])), el("td", null, area));
      const mark = k === "colour" && validColour(v) ? [swatch(v), " "] : [];
      return el("tr", null, el("th", null, t.label(k)), el("td", null, mark, formatValue(k, v, t)));
    });
  return el("div", { class: "popup" }, el("h3", null, String(title)), el("div", { class: "hint" }, layerTitle), el("table", null, rows));
}

/** How the map shows a layer: the server's `display` of /collections (mode, zoom, on, tappable). */
export function displayOf(c) {
  const d = c.display || {};
  const min = Number.isFinite(c.minzoom) ? c.minzoom : 0;
  return {
    mode: ["features", "tiles", "points"].includes(d.mode) ? d.mode : "features",
    minzoom: Number.isFinite(d.minzoom) ? d.minzoom : min,
    on: d.on !== false,
    tappable: d.tappable === true,
  };
}

/** The zoom from which a staff map draws the city's roads: the roads collection's `display`
 * (the citizen map's rule, so one place decides); `fallback` when the document cannot be read. */
export async function roadsFromZoom(slug, getJSON, fallback = 14) {
  try {
    return displayOf(await getJSON(`/cities/${encodeURIComponent(slug)}/collections/roads`)).minzoom;
  } catch {
    return fallback;
  }
}
