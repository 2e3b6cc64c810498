// Place suggestions for an input box, from the city's /search endpoint (typo-tolerant, ranked).
import { getJSON } from "./api.js";
import { el } from "./dom.js";

/** Normalise a /search answer to [{name, kind, lon, lat, bbox}] (results list or FeatureCollection). */
export function searchHits(body) {
  const items = Array.isArray(body?.results) ? body.results : Array.isArray(body?.features) ? body.features : [];
  return items
    .map((item) => {
      const p = item.properties || item;
      const coords = item.geometry?.coordinates || p.point || p.center || [p.lon, p.lat];
      return { name: p.name, kind: p.kind, lon: Number(coords[0]), lat: Number(coords[1]), bbox: p.bbox || null };
    })
    .filter((h) => h.name && Number.isFinite(h.lon) && Number.isFinite(h.lat));
}

const KINDS = {
  id: { kelurahan: "kelurahan", kecamatan: "kecamatan", school: "sekolah", road: "jalan", route_endpoint: "ujung trayek" },
  en: { kelurahan: "kelurahan", kecamatan: "kecamatan", school: "school", road: "road", route_endpoint: "route end" },
};

/** Wire an <input> and its suggestion <ul> to /search; onPick({name, lon, lat}) when chosen. */
export function attachPlaceSearch(input, list, { citySlug, lang, onPick }) {
  let timer = null;
  let controller = null;
  const clear = () => list.replaceChildren();
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) return clear();
    timer = setTimeout(async () => {
      controller?.abort();
      controller = new AbortController();
      try {
        const body = await getJSON(`/cities/${encodeURIComponent(citySlug())}/search?q=${encodeURIComponent(q)}`, { signal: controller.signal });
        const hits = searchHits(body).slice(0, 8);
        list.replaceChildren(...hits.map((hit) => {
          const kind = (KINDS[lang()] || KINDS.id)[hit.kind] || hit.kind || "";
          const li = el("li", { tabindex: "0" }, hit.name, el("span", { class: "kind" }, kind));
          const pick = () => {
            input.value = hit.name;
            clear();
            onPick(hit);
          };
          li.addEventListener("click", pick);
          li.addEventListener("keydown", (e) => e.key === "Enter" && pick());
          return li;
        }));
      } catch (err) {
        if (err.name !== "AbortError") clear();
      }
    }, 200);
  });
  input.addEventListener("blur", () => setTimeout(clear, 250));
}
