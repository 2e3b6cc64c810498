// Helpers of the citizen panels (trip planner, nearby routes, schools): formats, labels, chips.
import { el } from "./dom.js";
import { translator } from "./i18n.js";
import { formatMetres, formatRupiah, validColour } from "./styles.js";

/** A translator from a translator or a language code (the helpers accept either). */
function tr(t) {
  return typeof t === "function" ? t : translator(t);
}

export function formatDuration(seconds, lang = "id") {
  const t = tr(lang);
  const min = Math.max(1, Math.round(Number(seconds) / 60));
  if (min < 60) return `${min} ${t("minUnit")}`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  const hours = `${h} ${t("hourUnit")}`;
  return m ? `${hours} ${m} ${t("minUnit")}` : hours;
}

/** "1 transfer", "2 transfers", "tanpa ganti": the plural through i18n. */
export function transfersText(n, lang = "id") {
  const t = tr(lang);
  const count = Number(n) || 0;
  if (count === 0) return t("transfers0");
  return count === 1 ? t("transfers1") : t.format("transfersN", { n: count });
}

/** "07.45" / "7:45 AM" of an ISO time (or "" when it is not one). */
export function clockTime(iso, lang = "id") {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString(tr(lang).lang === "en" ? "en-GB" : "id-ID", { hour: "2-digit", minute: "2-digit" });
}

/** A leg is a ride when it names a route (mode "ride", or the vehicle "angkot"/"bus"/"brt"). */
export function isRide(leg) {
  return Boolean(leg && (leg.route || ["ride", "angkot", "bus", "brt"].includes(leg.mode)));
}

/** The vehicle of a ride leg: "angkot", "bus" or "brt" (from the leg or its route), else "angkot". */
export function vehicleOf(leg) {
  const v = [leg?.vehicle, leg?.mode, leg?.route?.mode, leg?.route?.type].find((m) => ["angkot", "bus", "brt"].includes(m));
  return v || "angkot";
}

export function vehicleText(leg, lang = "id") {
  const t = tr(lang);
  return t({ angkot: "rideAngkot", bus: "rideBus", brt: "rideBrt" }[vehicleOf(leg)]);
}

/** "lon,lat" with 6 decimals, the API's order. */
export function lonLatParam(latlng) {
  return `${latlng.lng.toFixed(6)},${latlng.lat.toFixed(6)}`;
}

const KIND_KEYS = {
  fastest: "kindFastest", fewest_transfers: "kindFewestTransfers", least_walking: "kindLeastWalking", walk_only: "kindWalkOnly",
};

export function itineraryLabels(itinerary, lang = "id") {
  const t = tr(lang);
  const kinds = itinerary.labels || itinerary.kinds || (itinerary.kind ? [itinerary.kind] : []);
  return [...new Set(kinds)].map((k) => (KIND_KEYS[k] ? t(KIND_KEYS[k]) : k));
}

/** A route's code on its colour (the colour must be #rrggbb, else the default blue). */
export function routeChip(route) {
  const colour = validColour(route?.colour) || "#1f78b4";
  return el("span", { class: "chip", style: { background: colour } }, String(route?.code ?? "?"));
}

/** Waiting of an itinerary in seconds: its own `wait_s`, else the sum of its ride legs' (or null). */
export function waitSeconds(itinerary) {
  if (Number.isFinite(itinerary.wait_s)) return itinerary.wait_s;
  const waits = (itinerary.legs || []).filter(isRide).map((l) => l.wait_s).filter(Number.isFinite);
  return waits.length ? waits.reduce((a, b) => a + b, 0) : null;
}

/** The contents of an itinerary's list item: labels, duration, route chips, walking, fare, wait, arrival. */
export function itinerarySummary(itinerary, lang = "id") {
  const t = tr(lang);
  const rides = (itinerary.legs || []).filter(isRide);
  const chips = rides.flatMap((l, i) => (i ? ["→ ", routeChip(l.route)] : [routeChip(l.route)]));
  const tags = itineraryLabels(itinerary, t).map((l) => el("span", { class: "tag" }, l));
  const facts = [`${formatMetres(itinerary.walk_distance_m, t.lang)} ${t("walkWord")}`];
  if (rides.length) facts.push(formatRupiah(itinerary.fare_idr), transfersText(itinerary.transfers, t));
  const wait = waitSeconds(itinerary);
  const times = [];
  if (wait) times.push(t.format("waitAbout", { time: formatDuration(wait, t) }));
  const arrive = clockTime(itinerary.arrive_at, t);
  if (arrive) times.push(t.format("arriveAt", { time: arrive }));
  return [
    el("div", null, tags),
    el("div", { class: "big" }, formatDuration(itinerary.duration_s, t)),
    el("div", null, chips.length ? chips : t("walkOnly")),
    el("div", { class: "hint" }, facts.join(" · ")),
    times.length ? el("div", { class: "hint when" }, times.join(" · ")) : null,
  ].filter(Boolean);
}

export function legInstruction(leg, lang = "id") {
  return tr(lang).lang === "en" ? leg.instruction_en || leg.instruction_id : leg.instruction_id || leg.instruction_en;
}

/** The step of a leg as shown: its instruction, the vehicle named by the route's type ("Naik BRT"). */
export function stepText(leg, lang = "id") {
  const t = tr(lang);
  const text = legInstruction(leg, t) || "";
  if (!isRide(leg) || vehicleOf(leg) === "angkot") return text;
  const said = t.lang === "en" ? /^Take (the )?angkot /i : /^Naik angkot /i;
  return said.test(text) ? text.replace(said, `${vehicleText(leg, t)} `) : `${vehicleText(leg, t)}: ${text}`;
}

/** Leaflet styles of a leg, drawn in order: rides a dark casing under the route colour, walking dashed. */
export function legStyles(leg) {
  if (isRide(leg)) {
    const colour = validColour(leg.route?.colour) || "#1f78b4";
    return [
      { color: "#1d2733", weight: 11, opacity: 0.95, lineCap: "round", lineJoin: "round", className: "trip-casing" },
      { color: colour, weight: 6, opacity: 1, lineCap: "round", lineJoin: "round", className: "trip-ride" },
    ];
  }
  return [
    { color: "#fff", weight: 7, opacity: 0.9, lineCap: "round", className: "trip-casing" },
    { color: "#1d2733", weight: 4, dashArray: "2 8", opacity: 1, lineCap: "round", className: "trip-walk" },
  ];
}

/** The top (coloured) style of a leg. */
export function legStyle(leg) {
  return legStyles(leg).at(-1);
}

export function distanceText(props, lang = "id") {
  const parts = [formatMetres(props.distance_m, tr(lang).lang)];
  if (props.walk_distance_m !== undefined && props.walk_distance_m !== null) {
    const t = tr(lang);
    parts.push(`${t("walkShort")} ${formatMetres(props.walk_distance_m, t.lang)}`);
    if (props.walk_duration_s) parts.push(formatDuration(props.walk_duration_s, t));
  }
  return parts.join(" · ");
}

/** One legend entry per route code: its colour, a name, and how many directions run. */
export function routeLegend(features) {
  const routes = new Map();
  for (const f of features) {
    const p = f.properties || {};
    if (!p.code) continue;
    const code = String(p.code);
    const entry = routes.get(code) || { code, colour: validColour(p.colour) || "#1f78b4", name: "", directions: 0 };
    entry.directions += 1;
    if (!entry.name && p.name) entry.name = String(p.name).replace(/\s*\((pergi|pulang|[^)]*arah[^)]*)\)\s*$/i, "");
    routes.set(code, entry);
  }
  return [...routes.values()].sort((a, b) => a.code.localeCompare(b.code, undefined, { numeric: true }));
}
