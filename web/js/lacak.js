// The tracking page (/lacak?kode=...): a request's type, place and status timeline with the
// public notes; no personal data is ever in the answer. Works as a plain GET form without JS.
import { ApiError, getJSON } from "./api.js";
import { el } from "./dom.js";
import { applyTranslations, pickLang, translator } from "./i18n.js";
import { formatDate } from "./ajukan/rules.js";

const $ = (id) => document.getElementById(id);
const state = { lang: pickLang(localStorage.getItem("tpo.lang")), view: null, error: null };
let t = translator(state.lang);

function label(prefix, code) {
  const key = `${prefix}_${code}`;
  const text = t(key);
  return text === key ? String(code).replaceAll("_", " ") : text;
}

/** "2 Desember 2026 09:15" in the reader's time zone. */
function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${formatDate(day, state.lang)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function render() {
  const message = $("track-message");
  const box = $("track-result");
  message.hidden = !state.error;
  message.textContent = state.error || "";
  const view = state.view;
  box.hidden = !view;
  document.body.dataset.track = view ? "found" : state.error ? "error" : "idle";
  if (!view) return box.replaceChildren();
  // a school transfer shows its target school (never the home's kelurahan)
  const place = view.school || [view.kelurahan && `Kel. ${view.kelurahan}`, view.kecamatan && `Kec. ${view.kecamatan}`].filter(Boolean).join(", ");
  box.replaceChildren(
    el("p", { class: "big-code", id: "track-code-shown" }, view.code),
    el("dl", { class: "track-facts" },
      el("dt", null, t("stepService")), el("dd", { id: "track-type" }, label("type", view.type)),
      el("dt", null, t("trackPlace")), el("dd", { id: "track-place" }, place || "—"),
      el("dt", null, t("trackStatus")), el("dd", { id: "track-status" }, el("strong", null, label("status", view.status)))),
    el("h2", null, t("trackTimeline")),
    el("ol", { class: "timeline", id: "track-timeline" }, view.timeline.map((e) => el(
      "li", { dataset: { status: e.status } },
      el("strong", null, label("status", e.status)),
      el("span", { class: "hint" }, ` · ${when(e.at)}`),
      e.note ? el("p", { class: "note" }, e.note) : null,
    ))),
  );
}

async function load(code) {
  state.view = null;
  state.error = null;
  const clean = String(code || "").trim();
  if (!clean) return render();
  $("track-code").value = clean;
  document.body.dataset.track = "loading";
  try {
    state.view = await getJSON(`/track/${encodeURIComponent(clean.slice(0, 64))}`);
  } catch (err) {
    state.error = err instanceof ApiError && err.status === 404 ? t("trackUnknown") : err.message;
  }
  render();
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  document.documentElement.lang = lang;
  document.title = `${t("trackTitle")} — Tree Point O`;
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
  if (state.error && state.view === null && document.body.dataset.track === "error") load($("track-code").value);
  else render();
}

$("lang-toggle").addEventListener("click", () => setLang(state.lang === "id" ? "en" : "id"));
$("track-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const code = $("track-code").value.trim();
  history.replaceState(null, "", `/lacak?kode=${encodeURIComponent(code)}`);
  load(code);
});
setLang(state.lang);
load(new URLSearchParams(location.search).get("kode"));
