// What the route editor's modules share: the page state, the translator, the API and map
// handles, the busy counter, the notice under the form and the attribute form's fields.
import { el, setChildren } from "../dom.js";
import { pickLang, translator } from "../i18n.js";
import { Sequencer } from "../sequence.js";
import { formValues } from "./format.js";

export const $ = (id) => document.getElementById(id);
export const NARROW = 700;
export const FORM_FIELDS = { code: "a-code", name: "a-name", direction: "a-direction", colour: "a-colour", origin: "a-origin", destination: "a-destination", fare_idr: "a-fare", headway_min: "a-headway", speed_kmh: "a-speed" };
export const state = {
  lang: pickLang(localStorage.getItem("tpo.lang")), me: null, access: null, city: null,
  routes: [], route: null, waypoints: [], snapped: [], paths: new Map(), streets: new Map(), geometry: [],
  undo: [], redo: [], dirty: false, appending: false, versions: [], chosen: null, coverageLoaded: false,
};
// the translator of the chosen language: a live binding, replaced by setTranslator
export let t = translator(state.lang);
export function setTranslator(next) {
  t = next;
}
export const seq = new Sequencer();
export const parts = {};
// what the page module (app.js) lends the panels: loadRoutes, selectRoute, renderEditWhat, renderLineInfo
export const hooks = {};

export function showMessage(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

let busy = 0;
export function setBusy(delta) {
  busy = Math.max(0, busy + delta);
  $("loading").hidden = busy === 0;
  document.body.dataset.busy = busy ? "true" : "false";
}

export async function tracked(slot, task) {
  setBusy(1);
  try {
    return await seq.run(slot, task);
  } finally {
    setBusy(-1);
  }
}

/** A notice under the form: `kind` ok | warn | error; `lines` more text (as text). */
export function notice(kind, text, lines = []) {
  const box = $("notice");
  box.className = `notice ${kind}`;
  setChildren(box, el("p", null, text), lines.length ? el("ul", null, lines.map((l) => el("li", null, l))) : null);
  box.hidden = !text;
}

export function fillForm(props) {
  const v = formValues(props);
  for (const [key, id] of Object.entries(FORM_FIELDS)) $(id).value = v[key];
  $("a-active").checked = v.active;
  $("a-circular").checked = v.circular;
  $("save-message").value = "";
}

export function readForm() {
  const values = {};
  for (const [key, id] of Object.entries(FORM_FIELDS)) values[key] = $(id).value;
  values.active = $("a-active").checked;
  values.circular = $("a-circular").checked;
  return values;
}
