// Pure helpers of the permit (izin) pages: parcel geometry from Leaflet rings, verdict colours
// and labels, the figures of a check as short readable text. No DOM, no Leaflet: unit-tested.

/** ITBX verdict -> map colour (I green, T/B amber, X red; unknown grey). */
export const ITBX_COLOURS = { I: "#2e9e4f", T: "#e0a100", B: "#e0a100", X: "#d62828" };
/** Check verdict -> chip class suffix and colour. */
export const VERDICT_COLOURS = { lolos: "#2e9e4f", perlu_kajian: "#e0a100", tidak_lolos: "#d62828" };
export const VERDICTS = ["lolos", "perlu_kajian", "tidak_lolos"];

/** The colour of a zone piece by its ITBX letter. */
export function itbxColour(letter) {
  return ITBX_COLOURS[String(letter || "").toUpperCase()] || "#7a7a7a";
}

/** The i18n key of a check verdict ("izV_lolos"), or of an unknown one. */
export function verdictKey(verdict) {
  return VERDICTS.includes(verdict) ? `izV_${verdict}` : "izV_unknown";
}

/** The worst of some verdicts (tidak_lolos > perlu_kajian > lolos); null for none. */
export function worstVerdict(verdicts) {
  let worst = -1;
  for (const v of verdicts) worst = Math.max(worst, VERDICTS.indexOf(v));
  return worst < 0 ? null : VERDICTS[worst];
}

const round7 = (x) => Number(Number(x).toFixed(7));

/** A closed GeoJSON ring [[lon, lat], ...] from Leaflet LatLngs {lat, lng}. */
export function ringFromLatLngs(latlngs) {
  const ring = latlngs.map((p) => [round7(p.lng), round7(p.lat)]);
  if (ring.length && (ring[0][0] !== ring.at(-1)[0] || ring[0][1] !== ring.at(-1)[1])) ring.push([...ring[0]]);
  return ring;
}

/**
 * A GeoJSON MultiPolygon from Leaflet polygon LatLngs: [[outer, hole..]] (a polygon),
 * [[[outer, ..]], ..] (a multipolygon) or [outer] flat (a simple ring) are all accepted.
 */
export function multiPolygonFromLatLngs(latlngs) {
  const isPoint = (x) => x && typeof x.lat === "number";
  if (!latlngs?.length) return null;
  let polygons;
  if (isPoint(latlngs[0])) polygons = [[latlngs]];
  else if (isPoint(latlngs[0][0])) polygons = [latlngs];
  else polygons = latlngs;
  const coordinates = polygons
    .map((rings) => rings.filter((r) => r.length >= 3).map(ringFromLatLngs))
    .filter((rings) => rings.length);
  return coordinates.length ? { type: "MultiPolygon", coordinates } : null;
}

/** Leaflet LatLngs ([lat, lon] arrays) of a GeoJSON Polygon or MultiPolygon, for L.polygon. */
export function latLngsOfGeometry(geometry) {
  const ring = (r) => r.map(([lon, lat]) => [lat, lon]);
  if (geometry?.type === "Polygon") return [geometry.coordinates.map(ring)];
  if (geometry?.type === "MultiPolygon") return geometry.coordinates.map((p) => p.map(ring));
  return [];
}

/** The number of distinct vertices of a GeoJSON (Multi)Polygon (closing points not counted). */
export function vertexCount(geometry) {
  const polys = geometry?.type === "Polygon" ? [geometry.coordinates] : geometry?.coordinates || [];
  return polys.flat().reduce((n, r) => n + Math.max(0, r.length - 1), 0);
}

/** "1.734 m²" / "1,7 ha" (Indonesian separators; English with commas and a point). */
export function formatArea(m2, lang = "id") {
  if (m2 === null || m2 === undefined || !Number.isFinite(Number(m2))) return "—";
  const locale = lang === "en" ? "en-GB" : "id-ID";
  const n = Number(m2);
  if (n >= 100_000) return `${(n / 10_000).toLocaleString(locale, { maximumFractionDigits: 1 })} ha`;
  return `${Math.round(n).toLocaleString(locale)} m²`;
}

/** A share 0..1 as "18 %" (one decimal under 10 %). */
export function formatShare(share, lang = "id") {
  if (share === null || share === undefined || !Number.isFinite(Number(share))) return "—";
  const raw = Number(share) * 100;
  const digits = Math.abs(raw) > 0 && Math.abs(raw) < 10 ? 1 : 0;
  const pct = Number(raw.toFixed(digits)) || 0; // never "-0 %"
  return `${pct.toLocaleString(lang === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: digits })} %`;
}

const AREA_KEYS = /(^|_)(area|m2)($|_)|_m2$/;

/**
 * The figures of one check as [label key or name, text] rows: areas as m², shares as %,
 * other numbers as they are; `zones` (per-zone pieces) become one row each.
 */
export function figureRows(figures, lang = "id") {
  const rows = [];
  for (const [key, value] of Object.entries(figures || {})) {
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item && typeof item === "object") {
          const name = [item.code, item.name].filter(Boolean).join(" ");
          const parts = [item.verdict || item.itbx, item.area_m2 !== undefined ? formatArea(item.area_m2, lang) : null,
            item.share !== undefined ? formatShare(item.share, lang) : null].filter((x) => x !== null && x !== undefined && x !== "");
          rows.push([name || key, parts.join(" · ")]);
        }
      }
      if (value.length && value.every((v) => v === null || typeof v !== "object")) rows.push([key, value.filter((v) => v !== null).join(", ")]);
    } else if (value === null || typeof value !== "object") {
      let text;
      if (typeof value === "number" && key === "share") text = formatShare(value, lang);
      else if (typeof value === "number" && (key.endsWith("_share") || key.startsWith("share"))) text = formatShare(value, lang);
      else if (typeof value === "number" && AREA_KEYS.test(key)) text = formatArea(value, lang);
      else if (typeof value === "number") text = value.toLocaleString(lang === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: 2 });
      else if (typeof value === "boolean") text = value ? "✓" : "✗";
      else text = value === null ? "—" : String(value);
      rows.push([key, text]);
    }
  }
  return rows;
}

/** A whole number ≥ min from form text ("1.200" -> 1200), or null when empty / not a number. */
export function parseNumber(text) {
  const s = String(text ?? "").trim().replace(/\./g, "").replace(",", ".");
  if (s === "") return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * The draft-check body from the form's values: {body, errors: {field: key}}.
 * values: {use, declared_area_m2, floors, footprint_m2, green_m2} as text.
 */
export function checkBody(geometry, values) {
  const errors = {};
  const declared = parseNumber(values.declared_area_m2);
  const floors = parseNumber(values.floors);
  const footprint = parseNumber(values.footprint_m2);
  const green = parseNumber(values.green_m2);
  if (!geometry) errors.geometry = "izErrNoParcel";
  if (!values.use) errors.use = "errChoose";
  if (declared === null || declared <= 0) errors.declared_area_m2 = "izErrPositive";
  if (floors === null || floors < 1 || !Number.isInteger(floors)) errors.floors = "izErrFloors";
  if (footprint === null || footprint <= 0) errors.footprint_m2 = "izErrAboveZero";
  if (green !== null && green < 0) errors.green_m2 = "izErrPositive";
  return {
    errors,
    body: { geometry, use: values.use || "", declared_area_m2: declared, floors, footprint_m2: footprint, green_m2: green },
  };
}
