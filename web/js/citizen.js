// Helpers of the citizen panels (trip planner, nearby routes, schools): formats, labels, chips.
import { el } from "./dom.js";
import { formatMetres, formatRupiah, validColour } from "./styles.js";

export function formatDuration(seconds, lang = "id") {
  const min = Math.max(1, Math.round(Number(seconds) / 60));
  if (min < 60) return lang === "en" ? `${min} min` : `${min} menit`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  const hours = lang === "en" ? `${h} h` : `${h} jam`;
  return m ? `${hours} ${m} ${lang === "en" ? "min" : "menit"}` : hours;
}

/** "lon,lat" with 6 decimals, the API's order. */
export function lonLatParam(latlng) {
  return `${latlng.lng.toFixed(6)},${latlng.lat.toFixed(6)}`;
}

const KIND_LABELS = {
  id: { fastest: "Tercepat", fewest_transfers: "Paling sedikit ganti", least_walking: "Paling sedikit jalan" },
  en: { fastest: "Fastest", fewest_transfers: "Fewest transfers", least_walking: "Least walking" },
};

export function itineraryLabels(itinerary, lang = "id") {
  const table = KIND_LABELS[lang] || KIND_LABELS.id;
  const kinds = itinerary.labels || itinerary.kinds || (itinerary.kind ? [itinerary.kind] : []);
  return kinds.map((k) => table[k] || k);
}

/** A route's code on its colour (the colour must be #rrggbb, else the default blue). */
export function routeChip(route) {
  const colour = validColour(route?.colour) || "#1f78b4";
  return el("span", { class: "chip", style: { background: colour } }, String(route?.code ?? "?"));
}

/** The contents of an itinerary's list item: labels, duration, route chips, walking, fare. */
export function itinerarySummary(itinerary, lang = "id") {
  const rides = (itinerary.legs || []).filter((l) => l.mode === "ride");
  const chips = rides.flatMap((l, i) => (i ? ["→ ", routeChip(l.route)] : [routeChip(l.route)]));
  const tags = itineraryLabels(itinerary, lang).map((l) => el("span", { class: "tag" }, l));
  const walk = lang === "en" ? "walk" : "jalan kaki";
  const transfers = lang === "en" ? "transfers" : "ganti angkot";
  return [
    el("div", null, tags),
    el("div", { class: "big" }, formatDuration(itinerary.duration_s, lang)),
    el("div", null, chips.length ? chips : lang === "en" ? "walk only" : "jalan kaki saja"),
    el("div", { class: "hint" }, `${formatMetres(itinerary.walk_distance_m, lang)} ${walk} · ${formatRupiah(itinerary.fare_idr)} · ${itinerary.transfers} ${transfers}`),
  ];
}

export function legInstruction(leg, lang = "id") {
  return lang === "en" ? leg.instruction_en || leg.instruction_id : leg.instruction_id || leg.instruction_en;
}

/** Leaflet style of a leg: ride legs in the route colour, walking dashed grey. */
export function legStyle(leg) {
  if (leg.mode === "ride") return { color: validColour(leg.route?.colour) || "#1f78b4", weight: 7, opacity: 0.9 };
  return { color: "#444", weight: 4, dashArray: "2 8", opacity: 0.9 };
}

export function distanceText(props, lang = "id") {
  const parts = [formatMetres(props.distance_m, lang)];
  if (props.walk_distance_m !== undefined && props.walk_distance_m !== null) {
    parts.push(`${lang === "en" ? "walk" : "jalan"} ${formatMetres(props.walk_distance_m, lang)}`);
    if (props.walk_duration_s) parts.push(formatDuration(props.walk_duration_s, lang));
  }
  return parts.join(" · ");
}
