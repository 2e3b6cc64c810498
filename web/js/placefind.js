// The Peta tab's place box: the same typo-tolerant /search and combobox as the trip boxes (one
// search everywhere). A place picked, or on Enter the best hit, is shown: an area (kelurahan,
// kecamatan, a road, a route) fitted to the map with its popup opened, a point centred.
import * as L from "leaflet";
import { attachPlaceSearch, searchPlaces, understoodLabel } from "./places.js";

const SLOT = "resolve:place-search";

export class PlaceFinder {
  /**
   * ctx: {citySlug(), t(), seq, fitPadding()} as main.js gives its panels; openArea(hit) opens the
   * popup of the area a hit names (when its layer is loaded); onShown() when a place is shown.
   */
  constructor(map, ctx, { input, list, result, openArea, onShown }) {
    this.map = map;
    this.ctx = ctx;
    this.input = input;
    this.result = result;
    this.openArea = openArea;
    this.onShown = onShown;
    this.shown = null; // the hit on screen (its label is redrawn in another language), or false: none found
    this.search = attachPlaceSearch(input, list, {
      citySlug: ctx.citySlug, t: ctx.t, seq: ctx.seq,
      onPick: (hit) => this.show(hit),
      onEdit: () => this.note(null),
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.defaultPrevented) {
        e.preventDefault();
        this.resolve();
      }
    });
  }

  /** The best hit of the typed text, shown; or "not found". */
  async resolve() {
    const text = this.input.value.trim();
    this.search.stop();
    if (text.length < 2) return this.note(null);
    document.body.dataset.place = "loading";
    let hits;
    try {
      hits = await searchPlaces(this.ctx.seq, SLOT, this.ctx.citySlug(), text);
    } catch (err) {
      this.result.textContent = err.message;
      document.body.dataset.place = "done";
      return;
    }
    if (hits === null) return; // overtaken by a newer edit
    if (hits.length) this.show(hits[0]);
    else this.note(false);
  }

  show(hit) {
    this.search.stop();
    this.ctx.seq.cancel(SLOT);
    this.input.value = hit.name;
    this.onShown?.(); // first: on a phone the sheet goes down, so the place is fitted above it
    const padding = this.ctx.fitPadding?.() || {};
    if (hit.bbox) {
      const [w, s, e, n] = hit.bbox;
      this.map.fitBounds([[s, w], [n, e]], { ...padding, maxZoom: 17 });
    } else {
      this.map.setView([hit.lat, hit.lon], Math.max(this.map.getZoom(), 17));
    }
    this.openArea?.(hit, L.latLng(hit.lat, hit.lon));
    this.note(hit);
  }

  /** The status line: what was found (hit), "not found" (false) or nothing (null). */
  note(hit) {
    this.shown = hit;
    const t = this.ctx.t();
    this.result.textContent = hit ? `${t("searchFound")}: ${understoodLabel(hit, t)}` : hit === false ? t("searchNone") : "";
    document.body.dataset.place = "done";
  }

  refresh() {
    this.note(this.shown);
  }

  clear() {
    this.search.stop();
    this.ctx.seq.cancel(SLOT);
    this.input.value = "";
    this.note(null);
  }
}
