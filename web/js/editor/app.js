// Entry point of the route editor (/editor): who is in (Dishub planners and reviewers, admins),
// the routes list, the chosen route on the map with its waypoints edited through Geoman (snapped
// to the roads or straight, undo/redo), the attribute form and "Simpan draf", the history with
// diff, restore and review, and the citizens' unmet demand and the coverage per kelurahan.
import { getJSON } from "../api.js";
import { staffSession } from "../auth.js";
import { el, setChildren } from "../dom.js";
import { applyTranslations, translator } from "../i18n.js";
import { roadsFromZoom } from "../styles.js";
import { renderAccount, renderGate } from "./account.js";
import { EditorApi } from "./api.js";
import { $, NARROW, fillForm, hooks, notice, parts, setBusy, setTranslator, showMessage, state, t, tracked } from "./context.js";
import { DEFAULTS, editorAccess, formatLength } from "./format.js";
import { assemble, editSegments, lineLength, segmentKey } from "./geometry.js";
import { loadHistory, renderHistory, reverseRoute, versionAction } from "./history.js";
import { EditorMap, loadGeoman } from "./map.js";
import { isoDay, loadCoverage, loadDemand, scheduleImpact } from "./planning.js";
import { saveDraft } from "./save.js";

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  setTranslator(translator(lang));
  document.documentElement.lang = lang;
  document.title = `${t("edTitle")} — Tree Point O`;
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
  renderAccount();
  if (!$("gate").hidden) renderGate(state.gate);
  if (parts.api) {
    renderRoutes();
    renderHistory();
    renderLineInfo();
  }
}

// ---- the routes list

async function loadRoutes() {
  let result;
  try {
    result = await tracked("routes", (signal) => parts.api.routes($("route-q").value.trim(), signal));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (!result.current) return;
  state.routes = result.value?.routes || [];
  renderRoutes();
}

function renderRoutes() {
  const list = $("route-list");
  const me = state.me?.user?.username;
  setChildren(list, ...state.routes.map((r) => {
    const drafts = (r.drafts || []).filter((d) => d.state === "draft" || d.state === "returned");
    const mine = drafts.find((d) => d.author === me);
    const badges = [];
    if (r.published_version === null || r.published_version === undefined) badges.push(el("span", { class: "tag new" }, t("edNeverPublished")));
    if (drafts.length) badges.push(el("span", { class: "tag draft" }, t.format("edDrafts", { n: drafts.length })));
    if (mine?.state === "returned") badges.push(el("span", { class: "tag returned" }, t("st_returned")));
    if (!r.active) badges.push(el("span", { class: "tag off" }, t("edInactive")));
    const button = el("button", { type: "button", class: "route-pick" },
      el("span", { class: "swatch line", style: { background: r.colour || "#888" } }),
      el("span", { class: "route-code" }, r.code || "–"),
      el("span", { class: "route-name" }, r.name || ""),
      el("span", { class: "route-meta" }, `${t(Number(r.direction) === 1 ? "edDir1" : "edDir0")} · ${formatLength(r.length_m, t.lang)}`, badges));
    button.addEventListener("click", () => selectRoute(r.id));
    return el("li", { dataset: { routeId: r.id, code: r.code || "" }, class: state.route?.id === r.id ? "open" : null }, button);
  }));
  $("route-count").textContent = t.format("edRouteCount", { n: state.routes.length });
}

// ---- the route being edited

function setEditable(on) {
  $("edit-empty").hidden = on;
  $("edit-tools").hidden = !on;
  $("attrs").hidden = !on;
  $("reverse").hidden = !state.route?.id;
}

function loadGeometry(coords) {
  state.waypoints = (coords || []).map((c) => [c[0], c[1]]);
  state.snapped = state.waypoints.slice(1).map(() => false);
  state.undo = [];
  state.redo = [];
  state.dirty = false;
  state.geometry = assemble(state.waypoints, state.snapped, state.paths);
  redraw();
}

/** Open a route: my live draft of it when I have one, else its published (or newest) version. */
async function selectRoute(id, { version = null, keepNotice = false } = {}) {
  stopEditing();
  let result;
  try {
    result = await tracked("route", async (signal) => {
      const head = await parts.api.route(id, signal);
      const summary = state.routes.find((r) => r.id === id);
      const mine = (summary?.drafts || []).find((d) => d.author === state.me.user.username && (d.state === "draft" || d.state === "returned"));
      const wanted = version ?? mine?.version ?? null;
      if (wanted && wanted !== head.feature?.properties?.version) {
        const v = await parts.api.version(id, wanted, signal);
        return { feature: v.feature, etag: head.etag || v.etag };
      }
      return head;
    });
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (!result.current) return;
  const { feature, etag } = result.value;
  state.route = { id, etag, feature };
  state.chosen = null;
  parts.map.clearDiff();
  $("version-box").hidden = true;
  fillForm(feature.properties);
  loadGeometry(feature.geometry?.coordinates || []);
  parts.map.fitRoute();
  setEditable(true);
  renderEditWhat();
  if (!keepNotice) notice("", "");
  renderRoutes();
  await loadHistory();
  if (window.innerWidth < NARROW) {
    $("p-routes").open = false;
    $("p-edit").open = true;
    $("map").scrollIntoView({ block: "start" });
  }
}

function renderEditWhat() {
  const r = state.route;
  if (!r) return setChildren($("edit-what"));
  const p = r.feature?.properties || {};
  const label = r.id ? `${p.code || ""} · v${p.version ?? "?"} (${t(`st_${p.state || "draft"}`)})` : t("edNewRoute");
  setChildren($("edit-what"), el("span", null, label));
}

function startNew() {
  stopEditing();
  state.route = { id: null, etag: null, feature: { properties: { ...DEFAULTS } } };
  state.versions = [];
  state.chosen = null;
  fillForm(DEFAULTS);
  loadGeometry([]);
  setEditable(true);
  renderEditWhat();
  renderHistory();
  parts.map.clearDiff();
  $("version-box").hidden = true;
  notice("", "");
  setAppending(true);
  $("p-edit").open = true;
}

function snapshot() {
  return { waypoints: state.waypoints.map((c) => [...c]), snapped: [...state.snapped] };
}

function applySnapshot(s) {
  state.waypoints = s.waypoints;
  state.snapped = s.snapped;
  state.dirty = true;
  parts.map.setWaypoints(state.waypoints);
  recompute();
}

/** The waypoints changed (a drag in Geoman, a click at the end): which segments to snap. */
function changeWaypoints(next) {
  const { snapped } = editSegments(state.waypoints, state.snapped, next, $("snap-toggle").checked);
  state.undo.push(snapshot());
  state.redo = [];
  state.waypoints = next;
  state.snapped = snapped;
  state.dirty = true;
  recompute();
}

async function snapMissing() {
  const wanted = [];
  for (let i = 0; i < state.waypoints.length - 1; i++) {
    if (!state.snapped[i]) continue;
    const a = state.waypoints[i];
    const b = state.waypoints[i + 1];
    if (!state.paths.has(segmentKey(a, b))) wanted.push([i, a, b]);
  }
  const failed = [];
  await Promise.all(wanted.map(async ([i, a, b]) => {
    try {
      const answer = await parts.api.snap([a, b], []);
      state.paths.set(segmentKey(a, b), answer.geometry?.coordinates || []);
      state.streets.set(segmentKey(a, b), answer.streets || []);
    } catch (err) {
      const why = (err.problem?.unreachable || []).map((u) => u.reason).filter(Boolean);
      failed.push({ i, why: why.length ? why : [err.message] });
    }
  }));
  return failed;
}

async function recompute() {
  setBusy(1);
  let failed = [];
  try {
    failed = await snapMissing();
  } finally {
    setBusy(-1);
  }
  for (const f of failed) if (f.i < state.snapped.length) state.snapped[f.i] = false; // kept straight
  if (failed.length) notice("warn", t("edUnreachable"), failed.flatMap((f) => f.why));
  state.geometry = assemble(state.waypoints, state.snapped, state.paths);
  redraw();
  scheduleImpact();
}

function redraw() {
  const colour = $("a-colour").value || state.route?.feature?.properties?.colour;
  parts.map.showRoute(state.geometry, colour);
  $("undo").disabled = !state.undo.length;
  $("redo").disabled = !state.redo.length;
  document.body.dataset.vertices = String(state.geometry.length);
  renderLineInfo();
}

function renderLineInfo() {
  if (!state.route) return setChildren($("line-info"));
  const streets = [];
  for (let i = 0; i < state.waypoints.length - 1; i++) {
    if (!state.snapped[i]) continue;
    for (const s of state.streets.get(segmentKey(state.waypoints[i], state.waypoints[i + 1])) || []) if (streets[streets.length - 1] !== s) streets.push(s);
  }
  const n = state.snapped.filter(Boolean).length;
  const text = t.format("edLineInfo", { length: formatLength(lineLength(state.geometry), t.lang), points: state.waypoints.length, snapped: n });
  setChildren($("line-info"), el("span", null, text), state.dirty ? [" ", el("span", { class: "tag draft" }, t("edUnsaved"))] : null, streets.length ? el("span", { class: "streets" }, ` · ${streets.slice(0, 6).join(" → ")}${streets.length > 6 ? " → …" : ""}`) : null);
}

async function toggleEditing() {
  if (parts.map.editing) return stopEditing();
  await loadGeoman();
  await parts.map.editWaypoints(state.waypoints);
  $("edit-toggle").setAttribute("aria-pressed", "true");
  $("edit-hint").hidden = false;
  document.body.dataset.editing = "true";
}

function stopEditing() {
  parts.map?.stopEditing();
  setAppending(false);
  $("edit-toggle").setAttribute("aria-pressed", "false");
  $("edit-hint").hidden = true;
  document.body.dataset.editing = "false";
}

function setAppending(on) {
  state.appending = on;
  $("append-toggle").setAttribute("aria-pressed", on ? "true" : "false");
  $("map").classList.toggle("appending", on);
}

async function appendWaypoint(coord) {
  if (!state.appending || !state.route) return;
  if (!parts.map.editing) await toggleEditing();
  const next = [...state.waypoints, coord];
  parts.map.setWaypoints(next);
  changeWaypoints(next);
}

function undo() {
  if (!state.undo.length) return;
  state.redo.push(snapshot());
  applySnapshot(state.undo.pop());
}

function redo() {
  if (!state.redo.length) return;
  state.undo.push(snapshot());
  applySnapshot(state.redo.pop());
}

// ---- start

function wire() {
  let timer = null;
  $("route-q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(loadRoutes, 300);
  });
  $("new-route").addEventListener("click", startNew);
  $("edit-toggle").addEventListener("click", toggleEditing);
  $("append-toggle").addEventListener("click", () => setAppending(!state.appending));
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("reverse").addEventListener("click", reverseRoute);
  $("attrs").addEventListener("submit", saveDraft);
  $("a-colour").addEventListener("input", redraw);
  $("open-version").addEventListener("click", () => state.chosen && selectRoute(state.route.id, { version: state.chosen }));
  $("restore").addEventListener("click", () => versionAction("restore"));
  $("publish").addEventListener("click", () => versionAction("publish"));
  $("return").addEventListener("click", () => versionAction("return"));
  $("demand-toggle").addEventListener("change", loadDemand);
  $("demand-from").addEventListener("change", () => {
    loadDemand();
    scheduleImpact();
  });
  $("demand-to").addEventListener("change", () => {
    loadDemand();
    scheduleImpact();
  });
  $("p-demand").addEventListener("toggle", () => $("p-demand").open && loadCoverage());
  document.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.target?.matches?.("input, textarea")) return;
    if (e.key === "z" && !e.shiftKey) undo();
    else if (e.key === "y" || (e.key === "z" && e.shiftKey)) redo();
    else return;
    e.preventDefault();
  });
  window.addEventListener("beforeunload", (e) => {
    if (state.dirty) e.preventDefault();
  });
}

async function startEditor(me, config) {
  state.access = editorAccess(me.user);
  let cities = [];
  try {
    ({ cities } = await getJSON("/cities"));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
  }
  const slug = me.user.city || config?.default_city;
  const city = cities.find((c) => c.slug === slug) || { slug, name: slug };
  state.city = city;
  $("city-name").textContent = city.name || "";
  $("demo-badge").hidden = !city.demo;
  $("gate").hidden = true;
  $("workspace").hidden = false;
  document.body.dataset.reviewer = state.access.review ? "true" : "false";
  if (window.innerWidth < NARROW) {
    $("p-edit").open = false;
  }
  const today = new Date();
  $("demand-to").value = isoDay(today);
  $("demand-from").value = isoDay(new Date(today.getTime() - 30 * 86400000));
  parts.api = new EditorApi(city.slug, me.csrf_token);
  try {
    await loadGeoman(); // before the map: Geoman hooks into maps made after it
  } catch (err) {
    showMessage(`${t("loadFailed")}: Geoman (${err.message})`);
  }
  parts.map = new EditorMap($("map"), { onWaypoints: changeWaypoints, onMapClick: appendWaypoint });
  parts.map.setBase(city, config?.basemap_url, await roadsFromZoom(city.slug, getJSON));
  wire();
  await loadRoutes();
  document.body.dataset.ready = "true";
}

async function start() {
  document.body.dataset.busy = "false";
  $("lang-toggle").addEventListener("click", () => setLang(state.lang === "id" ? "en" : "id"));
  setLang(state.lang);
  const { me, config } = await staffSession((err) => showMessage(`${t("loadFailed")}: ${err.message}`));
  state.me = me;
  renderAccount();
  if (!me?.authenticated || !me.user) return renderGate("login");
  if (!editorAccess(me.user).edit) return renderGate("role");
  return startEditor(me, config);
}

Object.assign(hooks, { loadRoutes, selectRoute, renderEditWhat, renderLineInfo });
start();
