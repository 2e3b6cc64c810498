// Entry point of the route editor (/editor): who is in (Dishub planners and reviewers, admins),
// the routes list, the chosen route on the map with its waypoints edited through Geoman (snapped
// to the roads or straight, undo/redo), the attribute form and "Simpan draf", the history with
// diff, restore and review, and the citizens' unmet demand and the coverage per kelurahan.
import { getJSON } from "../api.js";
import { logout, roleKeys, staffSession } from "../auth.js";
import { el, setChildren } from "../dom.js";
import { applyTranslations, pickLang, translator } from "../i18n.js";
import { Sequencer } from "../sequence.js";
import { EditorApi } from "./api.js";
import { DEFAULTS, diffSummary, editorAccess, formValues, formatLength, formatShare, impactSummary, propertiesFrom, saveFailure, windowProblem } from "./format.js";
import { assemble, editSegments, lineLength, segmentKey } from "./geometry.js";
import { EditorMap, loadGeoman } from "./map.js";

const $ = (id) => document.getElementById(id);
const NARROW = 700;
const FORM_FIELDS = { code: "a-code", name: "a-name", direction: "a-direction", colour: "a-colour", origin: "a-origin", destination: "a-destination", fare_idr: "a-fare", headway_min: "a-headway", speed_kmh: "a-speed" };
const state = {
  lang: pickLang(localStorage.getItem("tpo.lang")), me: null, access: null, city: null,
  routes: [], route: null, waypoints: [], snapped: [], paths: new Map(), streets: new Map(), geometry: [],
  undo: [], redo: [], dirty: false, appending: false, versions: [], chosen: null, coverageLoaded: false,
};
let t = translator(state.lang);
const seq = new Sequencer();
const parts = {};

function showMessage(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

let busy = 0;
function setBusy(delta) {
  busy = Math.max(0, busy + delta);
  $("loading").hidden = busy === 0;
  document.body.dataset.busy = busy ? "true" : "false";
}

async function tracked(slot, task) {
  setBusy(1);
  try {
    return await seq.run(slot, task);
  } finally {
    setBusy(-1);
  }
}

/** A notice under the form: `kind` ok | warn | error; `lines` more text (as text). */
function notice(kind, text, lines = []) {
  const box = $("notice");
  box.className = `notice ${kind}`;
  setChildren(box, el("p", null, text), lines.length ? el("ul", null, lines.map((l) => el("li", null, l))) : null);
  box.hidden = !text;
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
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

function renderAccount() {
  const box = $("account");
  const me = state.me;
  if (!me?.authenticated || !me.user) {
    setChildren(box, el("a", { class: "account-link", href: "/masuk?next=%2Feditor" }, t("login")));
    box.dataset.state = "out";
    return;
  }
  const roles = el("span", { class: "account-role" }, roleKeys(me.user).map((key, i) => [i ? ", " : "", t(key)]));
  const who = el("span", { class: "account-who" }, el("span", { class: "account-name" }, me.user.display_name), roles);
  const button = el("button", { type: "button", class: "account-logout" }, t("logout"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    if (await logout(me.csrf_token)) {
      location.assign("/masuk?next=%2Feditor");
      return;
    }
    button.disabled = false;
    showMessage(t("logoutFailed"));
  });
  setChildren(box, who, button);
  box.dataset.state = "in";
}

function renderGate(kind) {
  state.gate = kind;
  $("workspace").hidden = true;
  $("gate").hidden = false;
  $("gate-text").textContent = t(kind === "role" ? "edNoAccess" : "edNeedLogin");
  $("gate-login").hidden = kind === "role";
  document.body.dataset.gate = kind;
  document.body.dataset.ready = "true";
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

function fillForm(props) {
  const v = formValues(props);
  for (const [key, id] of Object.entries(FORM_FIELDS)) $(id).value = v[key];
  $("a-active").checked = v.active;
  $("a-circular").checked = v.circular;
  $("save-message").value = "";
}

function readForm() {
  const values = {};
  for (const [key, id] of Object.entries(FORM_FIELDS)) values[key] = $(id).value;
  values.active = $("a-active").checked;
  values.circular = $("a-circular").checked;
  return values;
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

// ---- saving

function fieldErrors(errors) {
  for (const id of Object.values(FORM_FIELDS)) $(id).removeAttribute("aria-invalid");
  for (const e of errors) $(FORM_FIELDS[e.field])?.setAttribute("aria-invalid", "true");
}

async function saveDraft(event) {
  event.preventDefault();
  const { properties, errors } = propertiesFrom(readForm());
  fieldErrors(errors);
  if (state.geometry.length < 2) errors.push({ key: "edNeedLine" });
  if (errors.length) return notice("error", t("checkFields"), errors.map((e) => t(e.key)));
  const body = { geometry: { type: "LineString", coordinates: state.geometry }, properties, message: $("save-message").value.trim() };
  const route = state.route;
  $("save-draft").disabled = true;
  setBusy(1);
  try {
    const saved = route.id ? await parts.api.save(route.id, route.etag, body) : await parts.api.create(body);
    route.id = saved.id;
    route.etag = saved.etag || `"r${saved.id}v${saved.version}"`;
    state.dirty = false;
    const warnings = (saved.warnings || []).map((w) => w.message).filter(Boolean);
    notice(warnings.length ? "warn" : "ok", t.format("edSaved", { version: saved.version }), warnings);
    await loadRoutes();
    await selectSaved(route.id, saved.version);
  } catch (err) {
    reportFailure(err);
  } finally {
    setBusy(-1);
    $("save-draft").disabled = false;
  }
}

/** After a save: the saved draft stays on the map (its geometry is what was drawn). */
async function selectSaved(id, version) {
  try {
    const v = await parts.api.version(id, version);
    state.route.feature = v.feature;
    if (v.etag) state.route.etag = v.etag;
  } catch {
    // the notice already says it was saved
  }
  $("reverse").hidden = false;
  renderEditWhat();
  renderLineInfo();
  await loadHistory();
}

async function refreshEtag() {
  if (!state.route?.id) return;
  try {
    const head = await parts.api.route(state.route.id);
    state.route.etag = head.etag;
  } catch {
    // shown by the next write
  }
}

function reportFailure(err) {
  const f = saveFailure(err);
  const lines = f.list || (f.detail ? [f.detail] : []);
  notice(f.stale ? "warn" : "error", t.format(f.key, f.params || {}), lines);
  if (f.stale) {
    refreshEtag().then(loadHistory).then(loadRoutes);
  }
}

// ---- history, diff, restore, review

async function loadHistory() {
  const id = state.route?.id;
  if (!id) {
    state.versions = [];
    return renderHistory();
  }
  let result;
  try {
    result = await tracked("versions", (signal) => parts.api.versions(id, signal));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (!result.current) return;
  state.versions = result.value?.versions || [];
  renderHistory();
}

function renderHistory() {
  setChildren($("history"), ...state.versions.map((v) => {
    const button = el("button", { type: "button", class: "version-pick" },
      el("span", { class: "v-head" }, el("strong", null, `v${v.version}`), " ", el("span", { class: `state ${v.state}` }, t(`st_${v.state}`)),
        " · ", el("span", { class: "author" }, v.author || "–"), " · ", el("span", { class: "when" }, formatWhen(v.saved_at)), " · ", formatLength(v.length_m, t.lang)),
      v.message ? el("span", { class: "v-message" }, v.message) : null,
      v.note ? el("span", { class: "v-note" }, `${t("edNote")}: ${v.note}`) : null);
    button.addEventListener("click", () => chooseVersion(v.version));
    return el("li", { dataset: { version: v.version, state: v.state }, class: state.chosen === v.version ? "open" : null }, button);
  }));
  if (!state.versions.length) $("version-box").hidden = true;
}

function formatWhen(iso) {
  if (!iso) return "–";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "–";
  return new Intl.DateTimeFormat(t.lang === "en" ? "en-GB" : "id-ID", { timeZone: "Asia/Jakarta", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false }).format(at);
}

/** A version of the history: its diff against the version it was made from, on the map. */
async function chooseVersion(version) {
  const id = state.route?.id;
  const meta = state.versions.find((v) => v.version === version);
  if (!id || !meta) return;
  state.chosen = version;
  renderHistory();
  const base = meta.parent ?? state.versions.find((v) => v.version < version)?.version ?? null;
  let result;
  try {
    result = await tracked("diff", async (signal) => {
      const to = await parts.api.version(id, version, signal);
      if (base === null || base === undefined) return { to: to.feature, from: null, diff: null };
      const [from, diff] = await Promise.all([parts.api.version(id, base, signal), parts.api.diff(id, base, version, signal)]);
      return { to: to.feature, from: from.feature, diff };
    });
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (!result.current) return;
  const { to, from, diff } = result.value;
  parts.map.showDiff(from?.geometry?.coordinates, to?.geometry?.coordinates, diff, to?.properties?.colour);
  $("version-box").hidden = false;
  $("version-box").dataset.version = String(version);
  const head = base === null || base === undefined ? t("edFirstVersion") : t.format("edDiffOf", { from: base, to: version });
  setChildren($("diff-summary"), el("strong", null, head), diff ? el("span", null, ` ${diffSummary(diff, t)}`) : null);
  const open = meta.state === "draft" || meta.state === "returned";
  $("publish").hidden = !(state.access.review && open);
  $("return-box").hidden = !(state.access.review && meta.state === "draft");
  $("restore").hidden = false;
}

async function versionAction(kind) {
  const id = state.route?.id;
  const version = state.chosen;
  if (!id || !version) return;
  setBusy(1);
  try {
    if (kind === "restore") {
      const made = await parts.api.restore(id, version, state.route.etag);
      notice("ok", t.format("edRestored", { from: version, version: made.version }));
      await loadRoutes();
      await selectRoute(id, { version: made.version, keepNotice: true });
    } else if (kind === "publish") {
      await parts.api.publish(id, version, state.route.etag);
      notice("ok", t.format("edPublished", { version }));
      await loadRoutes();
      await selectRoute(id, { version, keepNotice: true });
    } else if (kind === "return") {
      await parts.api.sendBack(id, version, state.route.etag, $("return-note").value.trim());
      notice("ok", t.format("edReturned", { version }));
      $("return-note").value = "";
      await refreshEtag();
      await loadHistory();
      await loadRoutes();
    }
  } catch (err) {
    reportFailure(err);
  } finally {
    setBusy(-1);
  }
}

async function reverseRoute() {
  const id = state.route?.id;
  if (!id) return;
  setBusy(1);
  try {
    const made = await parts.api.reverse(id, state.route.etag);
    await loadRoutes();
    await selectRoute(made.id, { version: made.version });
    notice("ok", t.format("edReversed", { version: made.version }));
  } catch (err) {
    reportFailure(err);
  } finally {
    setBusy(-1);
  }
}

// ---- unmet demand and coverage

let impactTimer = null;
function scheduleImpact() {
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

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

function demandDates() {
  return { from: $("demand-from").value || null, to: $("demand-to").value || null };
}

async function loadDemand() {
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
  $("demand-info").textContent = t.format("edDemandInfo", { lines: (fc?.features || []).length, searches });
}

async function loadCoverage() {
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
  parts.map.setBase(city, config?.basemap_url);
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

start();
