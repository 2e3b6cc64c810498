// Trip planner panel: origin/destination by tap, search or GPS; itineraries listed and drawn.
// Typed text that is not yet a place is resolved on "Cari rute" (the best search hit, shown as
// what was understood) or the user is asked to pick; a result is cleared the moment an end changes.
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { isRide, itinerarySummary, legStyles, lonLatParam, stepText } from "./citizen.js";
import { el } from "./dom.js";
import { attachPlaceSearch, searchPlaces, understoodLabel } from "./places.js";

const $ = (id) => document.getElementById(id);
const ENDS = ["from", "to"];

export class TripPanel {
  /** ctx: {citySlug(), lang(), t(), seq, focus(on)} as main.js gives its panels. */
  constructor(map, ctx) {
    this.map = map;
    this.ctx = ctx;
    this.seq = ctx.seq;
    this.points = { from: null, to: null };
    this.labels = { from: "", to: "" };
    this.markers = { from: null, to: null };
    if (!map.getPane("trip")) map.createPane("trip").style.zIndex = "640";
    this.renderer = L.svg({ pane: "trip" }); // SVG: the trip's lines stay elements (classes, tests)
    this.drawn = L.layerGroup().addTo(map);
    this.body = null; // the last trip answer, kept to redraw it in another language
    this.selected = 0;
    this.note = null; // {key, params} or {text} of the status line
    this.searches = {};
    for (const end of ENDS) {
      const input = $(`trip-${end}`);
      this.searches[end] = attachPlaceSearch(input, $(`trip-${end}-suggest`), {
        citySlug: ctx.citySlug, t: ctx.t, seq: this.seq,
        onPick: (hit) => this.setPoint(end, L.latLng(hit.lat, hit.lon), hit.name),
        onEdit: () => this.unset(end),
      });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.defaultPrevented) this.plan();
      });
    }
    $("trip-go").addEventListener("click", () => this.plan());
    $("trip-swap").addEventListener("click", () => this.swap());
    $("trip-from-gps").addEventListener("click", () => this.locate());
  }

  t() {
    return this.ctx.t();
  }

  /** A tap on the map: fills the origin first, then the destination, then plans. */
  tap(latlng) {
    const end = !this.points.from ? "from" : "to";
    this.setPoint(end, latlng, `${latlng.lat.toFixed(5)}, ${latlng.lng.toFixed(5)}`);
    if (this.points.from && this.points.to) this.plan();
  }

  setPoint(end, latlng, label) {
    this.searches[end].stop();
    this.clear();
    this.points[end] = latlng;
    this.labels[end] = label;
    $(`trip-${end}`).value = label;
    this.markers[end]?.remove();
    this.markers[end] = L.marker(latlng, {
      title: this.t()(end), pane: "trip", zIndexOffset: 1000,
      icon: L.divIcon({
        className: "", html: el("div", { class: `pin pin-${end}` }, el("span", null, end === "from" ? "A" : "B")),
        iconSize: [26, 26], iconAnchor: [13, 26],
      }),
    }).addTo(this.map);
  }

  /** The text of an end changed: its point (and any shown trip) no longer holds. */
  unset(end) {
    this.seq.cancel("trip");
    this.clear();
    this.points[end] = null;
    this.markers[end]?.remove();
    this.markers[end] = null;
    this.status(null);
  }

  swap() {
    const { from, to } = this.points;
    const [a, b] = [$("trip-from").value, $("trip-to").value];
    for (const end of ENDS) this.unset(end);
    if (to) this.setPoint("from", to, b);
    else $("trip-from").value = b;
    if (from) this.setPoint("to", from, a);
    else $("trip-to").value = a;
    if (from && to) this.plan();
  }

  locate() {
    if (!navigator.geolocation) return this.status({ key: "noGps" });
    navigator.geolocation.getCurrentPosition(
      (pos) => this.setPoint("from", L.latLng(pos.coords.latitude, pos.coords.longitude), this.t()("myLocation")),
      () => this.status({ key: "noGps" }),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  }

  /** The status line: {key, params} (translated, and again after a language switch), {text}, or null. */
  status(note) {
    this.note = note;
    const t = this.t();
    const text = !note ? "" : note.text ?? (note.params ? t.format(note.key, note.params) : t(note.key));
    $("trip-status").textContent = text;
  }

  clear() {
    this.drawn.clearLayers();
    $("trip-results").replaceChildren();
    $("trip-steps").replaceChildren();
    this.body = null;
    this.ctx.focus?.(false);
  }

  reset() {
    for (const end of ENDS) {
      this.unset(end);
      $(`trip-${end}`).value = "";
    }
  }

  /** Resolve an end typed but not picked: the best search hit, or null (the user must pick). */
  async resolve(end) {
    const text = $(`trip-${end}`).value.trim();
    if (!text) return null;
    const hits = await searchPlaces(this.seq, `resolve:${end}`, this.ctx.citySlug(), text);
    if (hits === null) return undefined; // overtaken by a newer edit
    const [hit] = hits;
    if (!hit) return null;
    this.setPoint(end, L.latLng(hit.lat, hit.lon), understoodLabel(hit, this.t()));
    return hit;
  }

  async plan() {
    document.body.dataset.trip = "loading";
    try {
      await this._plan();
    } catch (err) {
      this.status({ text: err.message });
    } finally {
      document.body.dataset.trip = "done";
    }
  }

  async _plan() {
    this.clear();
    let resolved = false;
    for (const end of ENDS) {
      if (this.points[end]) continue;
      const text = $(`trip-${end}`).value.trim();
      if (!text) return this.status({ key: "needBothPoints" });
      this.status({ key: "resolving" });
      const hit = await this.resolve(end);
      if (hit === undefined) return;
      if (!hit) {
        this.fitEnds();
        $(`trip-${end}`).focus();
        return this.status({ key: "pickPlace", params: { end: this.t()(end), text } });
      }
      resolved = true;
    }
    this.status({ key: "planning" });
    const { from, to } = this.points;
    const url = `/cities/${encodeURIComponent(this.ctx.citySlug())}/trips?from=${lonLatParam(from)}&to=${lonLatParam(to)}`;
    const r = await this.seq.run("trip", (signal) => getJSON(url, { signal }));
    if (!r.current) return;
    this.body = r.value;
    this.understood = resolved ? { from: this.labels.from, to: this.labels.to } : null;
    this.render(0, true);
  }

  /** Draw the answer on screen (again after a language switch, keeping the chosen itinerary). */
  render(index = this.selected, fit = false) {
    const body = this.body;
    if (!body) return;
    const t = this.t();
    const reason = t.lang === "en" ? body.reason_en || body.reason : body.reason;
    const its = body.itineraries || [];
    const said = this.understood ? t.format("understood", this.understood) : "";
    if (!its.length) {
      this.status({ text: [said, reason || t("noTrip")].filter(Boolean).join(" · ") });
      if (fit) this.fitEnds();
      return;
    }
    this.status({ text: [said, reason].filter(Boolean).join(" · ") });
    $("trip-results").replaceChildren(...its.map((it, i) => {
      const li = el("li", { tabindex: "0", role: "button" }, itinerarySummary(it, t));
      li.addEventListener("click", () => this.select(i));
      li.addEventListener("keydown", (e) => e.key === "Enter" && this.select(i));
      return li;
    }));
    this.select(index, fit);
  }

  fitEnds() {
    const ends = ENDS.map((e) => this.points[e]).filter(Boolean);
    if (ends.length === 2) this.map.fitBounds(L.latLngBounds(ends), { padding: [40, 40], maxZoom: 16 });
    else if (ends.length === 1) this.map.panTo(ends[0]);
  }

  select(index, fit = true) {
    const it = this.body?.itineraries?.[index];
    if (!it) return;
    this.selected = index;
    const t = this.t();
    [...$("trip-results").children].forEach((li, i) => li.classList.toggle("selected", i === index));
    this.drawn.clearLayers();
    const bounds = L.latLngBounds(ENDS.map((e) => this.points[e]).filter(Boolean));
    for (const leg of it.legs || []) {
      if (!leg.geometry) continue;
      for (const style of legStyles(leg)) {
        const layer = L.geoJSON(leg.geometry, { pane: "trip", renderer: this.renderer, interactive: false, style }).addTo(this.drawn);
        bounds.extend(layer.getBounds());
      }
      if (isRide(leg)) this.stopMarkers(leg, t);
    }
    this.ctx.focus?.(true);
    this.ctx.shown?.();
    if (fit && bounds.isValid()) this.map.fitBounds(bounds, { padding: [60, 60], maxZoom: 17, ...this.ctx.fitPadding?.() });
    $("trip-steps").replaceChildren(...(it.legs || []).map((leg) => el(
      "li", { class: isRide(leg) ? "step-ride" : "step-walk" },
      stepText(leg, t),
      isRide(leg) && leg.wait_s ? el("div", { class: "hint" }, t.format("waitAbout", { time: `${Math.max(1, Math.round(leg.wait_s / 60))} ${t("minUnit")}` })) : null,
    )));
  }

  /** Boarding and alighting points of a ride, each labelled with its street. */
  stopMarkers(leg, t) {
    for (const [key, stop] of [["boardAt", leg.board], ["alightAt", leg.alight]]) {
      if (!Array.isArray(stop?.point)) continue;
      const [lon, lat] = stop.point;
      const label = t.format(key, { street: stop.name || t("streetUnknown") });
      L.circleMarker([lat, lon], { pane: "trip", renderer: this.renderer, radius: 7, weight: 3, color: "#1d2733", fillColor: "#fff", fillOpacity: 1, className: "trip-stop" })
        .bindTooltip(el("span", null, label), { permanent: true, direction: "top", className: "stop-label" })
        .addTo(this.drawn);
    }
  }

  /** Show or hide the drawn trip (and the fading under it) when its tab opens or closes. */
  visible(on) {
    if (on) this.drawn.addTo(this.map);
    else this.drawn.remove();
    this.ctx.focus?.(on && Boolean(this.body?.itineraries?.length));
  }

  /** A language switch: the status, cards, steps and labels again in the new language. */
  refresh() {
    if (this.body) this.render();
    else this.status(this.note);
  }
}
