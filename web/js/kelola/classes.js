// Choropleth classes: the colour of a kelurahan from the server's class breaks, and the legend.
//
// `breaks` are the upper bounds of the classes, ascending (as mapclassify's `bins`): class i holds
// the values v with breaks[i-1] < v <= breaks[i]. A kelurahan without any request is drawn apart.

// ColorBrewer YlOrRd (9 classes); fewer classes take evenly spread steps of it
const YLORRD = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"];
export const NONE_COLOUR = "#f2f2f2";

/** `k` colours from light to dark (1 ≤ k ≤ 9). */
export function palette(k) {
  const n = Math.max(1, Math.min(YLORRD.length, Math.floor(k) || 1));
  if (n === 1) return [YLORRD[4]];
  // skip the palest step (too close to "no request") when there is room
  const lo = n <= 7 ? 1 : 0;
  const hi = YLORRD.length - 1;
  return Array.from({ length: n }, (_, i) => YLORRD[Math.round(lo + (i * (hi - lo)) / (n - 1))]);
}

/** The breaks as finite, positive, ascending numbers, repeated values dropped (a break at 0
 * holds only kelurahan without requests, which are drawn apart anyway). */
export function cleanBreaks(breaks) {
  const out = [];
  for (const b of Array.isArray(breaks) ? breaks : []) {
    const n = Number(b);
    if (Number.isFinite(n) && n > 0 && (!out.length || n > out[out.length - 1])) out.push(n);
  }
  return out;
}

/** The class index of `value` (-1: no request, or no classes). Values above the last break
 * go to the last class. */
export function classIndex(value, breaks) {
  const v = Number(value);
  const b = cleanBreaks(breaks);
  if (!Number.isFinite(v) || v <= 0 || !b.length) return -1;
  const i = b.findIndex((upper) => v <= upper);
  return i === -1 ? b.length - 1 : i;
}

/** The fill colour of `value` under `breaks`. */
export function colourFor(value, breaks) {
  const i = classIndex(value, breaks);
  return i === -1 ? NONE_COLOUR : palette(cleanBreaks(breaks).length)[i];
}

/** A number as the legend writes it: counts whole, densities with one decimal in the language. */
export function formatMeasure(value, measure, lang = "id") {
  const locale = lang === "en" ? "en-GB" : "id-ID";
  const digits = measure === "per_km2" ? 1 : 0;
  return Number(value).toLocaleString(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * The legend: [{colour, label, from, to}] with the "none" row first.
 * Counts are whole numbers, so a class after the break 5 starts at 6 ("6–10"); densities show
 * "> 1,2 – 3,4". A class of one value reads as that value.
 */
export function legendRows(breaks, measure = "count", lang = "id", noneLabel = "0") {
  const b = cleanBreaks(breaks);
  const colours = palette(b.length);
  const rows = [{ colour: NONE_COLOUR, label: noneLabel, from: 0, to: 0 }];
  const fmt = (v) => formatMeasure(v, measure, lang);
  b.forEach((upper, i) => {
    const lower = i === 0 ? 0 : b[i - 1];
    let label;
    if (measure === "count") {
      const first = Math.floor(lower) + 1;
      const last = Math.floor(upper);
      label = first >= last ? fmt(last) : `${fmt(first)}–${fmt(last)}`;
    } else {
      label = `> ${fmt(lower)} – ${fmt(upper)}`;
    }
    rows.push({ colour: colours[i], label, from: lower, to: upper });
  });
  return rows;
}

/** The measured value of a kelurahan feature's properties. */
export function measureOf(props, measure) {
  return Number(measure === "per_km2" ? props?.per_km2 : props?.count) || 0;
}
