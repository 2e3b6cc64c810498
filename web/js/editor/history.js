// The route's history: versions, the diff of one on the map, restore, publish and return.
import { el, setChildren } from "../dom.js";
import { $, hooks, notice, parts, setBusy, showMessage, state, t, tracked } from "./context.js";
import { diffSummary, formatLength } from "./format.js";
import { refreshEtag, reportFailure } from "./save.js";

export async function loadHistory() {
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

export function renderHistory() {
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
export async function chooseVersion(version) {
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

export async function versionAction(kind) {
  const id = state.route?.id;
  const version = state.chosen;
  if (!id || !version) return;
  setBusy(1);
  try {
    if (kind === "restore") {
      const made = await parts.api.restore(id, version, state.route.etag);
      notice("ok", t.format("edRestored", { from: version, version: made.version }));
      await hooks.loadRoutes();
      await hooks.selectRoute(id, { version: made.version, keepNotice: true });
    } else if (kind === "publish") {
      await parts.api.publish(id, version, state.route.etag);
      notice("ok", t.format("edPublished", { version }));
      await hooks.loadRoutes();
      await hooks.selectRoute(id, { version, keepNotice: true });
    } else if (kind === "return") {
      await parts.api.sendBack(id, version, state.route.etag, $("return-note").value.trim());
      notice("ok", t.format("edReturned", { version }));
      $("return-note").value = "";
      await refreshEtag();
      await loadHistory();
      await hooks.loadRoutes();
    }
  } catch (err) {
    reportFailure(err);
  } finally {
    setBusy(-1);
  }
}

export async function reverseRoute() {
  const id = state.route?.id;
  if (!id) return;
  setBusy(1);
  try {
    const made = await parts.api.reverse(id, state.route.etag);
    await hooks.loadRoutes();
    await hooks.selectRoute(made.id, { version: made.version });
    notice("ok", t.format("edReversed", { version: made.version }));
  } catch (err) {
    reportFailure(err);
  } finally {
    setBusy(-1);
  }
}
