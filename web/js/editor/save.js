// "Simpan draf": the form checked, the draft saved with If-Match, and failures explained (a
// stale save names who saved in between and keeps the edit).
import { $, FORM_FIELDS, hooks, notice, parts, readForm, setBusy, state, t } from "./context.js";
import { propertiesFrom, saveFailure } from "./format.js";
import { loadHistory } from "./history.js";

function fieldErrors(errors) {
  for (const id of Object.values(FORM_FIELDS)) $(id).removeAttribute("aria-invalid");
  for (const e of errors) $(FORM_FIELDS[e.field])?.setAttribute("aria-invalid", "true");
}

export async function saveDraft(event) {
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
    await hooks.loadRoutes();
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
  hooks.renderEditWhat();
  hooks.renderLineInfo();
  await loadHistory();
}

export async function refreshEtag() {
  if (!state.route?.id) return;
  try {
    const head = await parts.api.route(state.route.id);
    state.route.etag = head.etag;
  } catch {
    // shown by the next write
  }
}

export function reportFailure(err) {
  const f = saveFailure(err);
  const lines = f.list || (f.detail ? [f.detail] : []);
  notice(f.stale ? "warn" : "error", t.format(f.key, f.params || {}), lines);
  if (f.stale) {
    refreshEtag().then(loadHistory).then(() => hooks.loadRoutes());
  }
}
