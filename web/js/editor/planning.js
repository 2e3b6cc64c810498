// What citizens need, where planners see it: unmet demand, the coverage per kelurahan and
// what the draft on the map would serve.
import { el, setChildren } from "../dom.js";
import { $, parts, seq, state, t, tracked } from "./context.js";
import { formatShare, impactSummary, windowProblem } from "./format.js";

let impactTimer = null;
export function scheduleImpact() {
  clearTimeout(impactTimer);
  setChildren($("draft-impact"));
  if (state.geometry.length < 2 || !state.dirty) return;
  impactTimer = setTimeout(loadImpact, 500);
}

/** The route the draft would replace on the map, when it has a published version. */
function publishedId() {
  const id = state.route?.id;
  const summary = state.routes.find((r) => r.id === id);
  return id && summary && summary.published_version !== null && summary.published_version !== undefined ? id : null;
}

async function loadImpact() {
  const geometry = { type: "LineString", coordinates: state.geometry };
  const { from, to } = demandDates();
  if (windowProblem(from, to)) return;
  let result;
  try {
    result = await tracked("impact", (signal) => Promise.all([
      parts.api.served(geometry, from, to, signal),
      parts.api.coveragePreview(geometry, publishedId(), signal),
    ]));
  } catch (err) {
    setChildren($("draft-impact"), el("span", { class: "hint" }, `${t("edImpactFailed")}: ${err.message}`));
    return;
  }
  if (!result.current) return;
  const [served, preview] = result.value;
  setChildren($("draft-impact"), el("span", null, impactSummary(served, preview, t)));
}

const CITY_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit" });

/** An instant's day (YYYY-MM-DD) in the city's calendar, as trip searches are counted. */
export function isoDay(d) {
  return CITY_DAY.format(d);
}

function demandDates() {
  return { from: $("demand-from").value || null, to: $("demand-to").value || null };
}

export async function loadDemand() {
  if (!$("demand-toggle").checked) {
    parts.map.clearDemand();
    $("demand-info").textContent = "";
    return;
  }
  const { from, to } = demandDates();
  const problem = windowProblem(from, to);
  if (problem) {
    seq.cancel("demand");
    $("demand-info").textContent = t(problem);
    return;
  }
  let result;
  try {
    result = await tracked("demand", (signal) => parts.api.demand(from, to, signal));
  } catch (err) {
    $("demand-info").textContent = `${t("loadFailed")}: ${err.message}`;
    return;
  }
  if (!result.current) return;
  const fc = result.value;
  parts.map.showDemand(fc, t);
  const searches = (fc?.features || []).reduce((s, f) => s + (Number(f.properties?.searches) || 0), 0);
  $("demand-info").textContent = t.format("edDemandInfo", {
    lines: (fc?.features || []).length,
    searches,
    from: fc?.from || from || "",
    to: fc?.to || to || "",
  });
}

export async function loadCoverage() {
  if (state.coverageLoaded) return;
  let result;
  try {
    result = await tracked("coverage", (signal) => parts.api.coverage(signal));
  } catch (err) {
    $("coverage-city").textContent = `${t("loadFailed")}: ${err.message}`;
    return;
  }
  if (!result.current) return;
  state.coverageLoaded = true;
  const c = result.value || {};
  if (c.city) $("coverage-city").textContent = t.format("edCoverageCity", { share: formatShare(c.city.share, t.lang), covered: Number(c.city.covered_km2 || 0).toFixed(1), area: Number(c.city.area_km2 || 0).toFixed(1) });
  const rows = [...(c.kelurahan || [])].sort((a, b) => (a.share ?? 0) - (b.share ?? 0));
  setChildren($("coverage-body"), ...rows.map((k) => el("tr", { dataset: { kelurahan: k.code } },
    el("td", null, k.name || k.code, el("span", { class: "sub" }, k.kecamatan || "")),
    el("td", { class: "share" }, formatShare(k.share, t.lang)),
    el("td", { class: "routes" }, (k.routes || []).join(", ") || "–"))));
}
