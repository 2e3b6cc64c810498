// The staff view of a permit application (type `izin`) in /kelola: the stored check drawn on the
// detail's map with the applicant's styles (overlaps hatched, zones by ITBX verdict, protected
// areas outlined), explained beside it, and "Periksa ulang" (a new stored version). The decision
// itself goes through the detail's usual step buttons.
import * as L from "leaflet";
import { el } from "../dom.js";
import { recheck, storedCheck } from "../izin/api.js";
import { checkLegend, drawCheck } from "../izin/checkmap.js";
import { checkReport } from "../izin/report.js";
import { formatDate } from "./format.js";

const cache = new Map(); // request id -> {result} | {error}

/** Add the permit section to the open detail of request `r` (called from RequestDetail.render). */
export function showPermit(detail, r, mapBox) {
  const box = el("section", { class: "detail-section permit-panel", id: "permit-panel", dataset: { state: "loading" } },
    el("h3", null, detail.t("izStaffTitle")));
  mapBox.after(box);
  const layer = L.layerGroup();
  const known = cache.get(r.id);
  if (known) return paint(detail, r, box, layer, known);
  box.append(el("p", { class: "hint" }, detail.t("loading")));
  storedCheck(detail.city.slug, r.id).then(
    (result) => cache.set(r.id, { result }),
    (err) => cache.set(r.id, { error: err.status === 404 ? null : err.message }),
  ).then(() => {
    if (detail.current?.request?.id === r.id && box.isConnected) paint(detail, r, box, layer, cache.get(r.id));
  });
}

function paint(detail, r, box, layer, { result, error, notice }) {
  const t = detail.t;
  box.replaceChildren(el("h3", null, t("izStaffTitle")));
  const map = detail.miniMap;
  const again = el("button", { type: "button", class: "ghost", id: "permit-recheck" }, t("izRecheck"));
  again.addEventListener("click", async () => {
    again.disabled = true;
    box.dataset.state = "loading";
    try {
      const fresh = await recheck(detail.city.slug, r.id, detail.api.csrf);
      const previous = cache.get(r.id)?.result;
      const versions = [...new Set([...(previous?.versions || []).map(versionNumber), fresh.version])].filter((v) => v !== null && v !== undefined);
      cache.set(r.id, { result: { versions, ...fresh }, notice: t.format("izRechecked", { n: fresh.version }) });
    } catch (err) {
      cache.set(r.id, { ...(cache.get(r.id) || {}), notice: err.message, failed: true });
    }
    if (detail.current?.request?.id === r.id && box.isConnected) paint(detail, r, box, layer, cache.get(r.id));
  });
  const parts = [];
  if (notice) parts.push(el("p", { class: cache.get(r.id)?.failed ? "error" : "notice ok", id: "permit-notice", role: "status" }, notice));
  if (error) parts.push(el("p", { class: "error" }, error));
  if (!result) parts.push(el("p", { class: "hint", id: "permit-none" }, t("izNoCheck")));
  else {
    parts.push(el("p", { class: "izin-versions", id: "permit-version", dataset: { version: String(result.version ?? "") } },
      t.format("izVersion", { n: result.version ?? "–", date: result.ran_at ? formatDate(result.ran_at, t.lang, true) : "–" }),
      result.layer_revisions ? ` · ${t("izRevisions")}: ${Object.entries(result.layer_revisions).map(([k, v]) => `${k} ${v}`).join(", ")}` : ""));
    parts.push(checkReport(t, t.lang, result, { id: "permit-report" }), checkLegend(t));
    if (map) {
      layer.addTo(map);
      const bounds = drawCheck(map, layer, result, r.geometry, { t, lang: t.lang });
      if (bounds?.isValid()) map.fitBounds(bounds, { maxZoom: 18, padding: [10, 10], animate: false }); // the detail may re-render (and remove this map) any moment
    }
  }
  parts.push(el("div", { class: "row" }, again));
  box.append(...parts);
  box.dataset.state = result ? "done" : "none";
  box.dataset.version = String(result?.version ?? "");
}

function versionNumber(v) {
  return typeof v === "object" && v !== null ? v.version : v;
}

/** Forget the cached check of a request (after a step, the server may have re-run it). */
export function forgetPermit(id) {
  cache.delete(id);
}
