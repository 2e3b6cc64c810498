// Place suggestions for an input box, from the city's /search endpoint (typo-tolerant, ranked).
import { getJSON } from "./api.js";
import { Combobox } from "./combobox.js";
import { el } from "./dom.js";
import { translator } from "./i18n.js";
import { Sequencer } from "./sequence.js";

/** Normalise a /search answer to [{name, kind, id, lon, lat, bbox}] (results list or FeatureCollection). */
export function searchHits(body) {
  const items = Array.isArray(body?.results) ? body.results : Array.isArray(body?.features) ? body.features : [];
  return items
    .map((item) => {
      const p = item.properties || item;
      const coords = item.geometry?.coordinates || p.point || p.center || [p.lon, p.lat];
      return {
        name: p.name, kind: p.kind, id: p.id ?? item.id ?? null, lon: Number(coords[0]), lat: Number(coords[1]), bbox: p.bbox || null,
      };
    })
    .filter((h) => h.name && Number.isFinite(h.lon) && Number.isFinite(h.lat));
}

/** The kind of a hit as people read it ("kecamatan", "sekolah"), through the translator. */
export function kindLabel(kind, t) {
  if (!kind) return "";
  const key = `kind_${kind}`;
  const text = t(key);
  return text === key ? String(kind) : text;
}

/** How a resolved hit is shown in its box: "Cibodas (Kecamatan)". */
export function understoodLabel(hit, t) {
  const kind = kindLabel(hit.kind, t);
  return kind ? `${hit.name} (${kind.charAt(0).toUpperCase()}${kind.slice(1)})` : hit.name;
}

/** Search the city for `q`; the hits of the newest call of `slot` only (null when overtaken). */
export async function searchPlaces(seq, slot, citySlug, q) {
  const url = `/cities/${encodeURIComponent(citySlug)}/search?q=${encodeURIComponent(q)}`;
  const r = await seq.run(slot, (signal) => getJSON(url, { signal }));
  return r.current ? searchHits(r.value).slice(0, 8) : null;
}

/**
 * Wire an <input> and its suggestion <ul> to /search as a combobox.
 * onPick(hit) when a suggestion is chosen; onEdit() when the typed text changes.
 */
export function attachPlaceSearch(input, list, { citySlug, lang, t = () => translator(lang?.()), seq = new Sequencer(), onPick, onEdit }) {
  const slot = `search:${input.id}`;
  let timer = null;
  const box = new Combobox(input, list, {
    render: (hit) => [hit.name, el("span", { class: "kind" }, kindLabel(hit.kind, t()))],
    onPick: (hit) => {
      input.value = hit.name;
      onPick(hit);
    },
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    seq.cancel(slot);
    onEdit?.();
    const q = input.value.trim();
    if (q.length < 2) return box.close();
    timer = setTimeout(async () => {
      try {
        const hits = await searchPlaces(seq, slot, citySlug(), q);
        if (hits && document.activeElement === input) box.show(hits);
      } catch {
        box.close();
      }
    }, 200);
  });
  return {
    box,
    /** Stop waiting for suggestions (the text is being resolved another way). */
    stop() {
      clearTimeout(timer);
      seq.cancel(slot);
      box.close();
    },
  };
}
