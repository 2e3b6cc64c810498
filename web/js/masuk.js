// The login page (/masuk): the form posts JSON when JavaScript runs, a plain form post otherwise.
import { getJSON } from "./api.js";
import { fetchMe, login, messageForError, safeNext } from "./auth.js";
import { applyTranslations, pickLang, translator } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const state = { lang: pickLang(localStorage.getItem("tpo.lang")), message: null };
let t = translator(state.lang);

function render() {
  const box = $("login-message");
  const msg = state.message;
  box.hidden = !msg;
  box.dataset.kind = msg?.kind || "error";
  if (!msg) {
    box.textContent = "";
    return;
  }
  const text = t.format(msg.key, msg.params || {});
  box.textContent = msg.detail ? `${text}: ${msg.detail}` : text;
}

function show(message) {
  state.message = message;
  render();
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  document.documentElement.lang = lang;
  document.title = `${t("loginTitle")} — Tree Point O`;
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
  render();
}

async function loadCities(wanted) {
  let config;
  let cities;
  try {
    [config, { cities }] = await Promise.all([getJSON("/config"), getJSON("/cities")]);
  } catch {
    return; // the "default city" choice stays; the server picks its default city
  }
  if (!cities.length) return;
  const select = $("login-city");
  select.replaceChildren(...cities.map((c) => new Option(c.name, c.slug)));
  const initial = cities.find((c) => c.slug === wanted) || cities.find((c) => c.slug === config.default_city) || cities[0];
  select.value = initial.slug;
}

async function showWhoIsIn() {
  try {
    const me = await fetchMe();
    if (!me.authenticated) return;
    $("login-already-name").textContent = me.user.display_name;
    $("login-already").hidden = false;
  } catch {
    // not knowing is fine here: the form still works
  }
}

async function submit(event) {
  event.preventDefault();
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  if (!username || !password) {
    show({ key: "checkFields", detail: `${t("username")}, ${t("password")}` });
    (username ? $("login-password") : $("login-username")).focus();
    return;
  }
  const button = $("login-submit");
  button.disabled = true;
  show({ key: "loggingIn", kind: "info" });
  const result = await login({ username, password, city: $("login-city").value });
  if (result.ok) {
    show({ key: "loggedIn", kind: "info" });
    location.assign(safeNext($("login-next").value));
    return;
  }
  button.disabled = false;
  show(result.message);
  if (result.status === 401) {
    $("login-password").value = "";
    $("login-password").focus();
  }
}

function start() {
  document.body.classList.add("js");
  const params = new URLSearchParams(location.search);
  $("login-next").value = safeNext(params.get("next") || "/");
  $("lang-toggle").hidden = false;
  $("lang-toggle").addEventListener("click", () => setLang(state.lang === "id" ? "en" : "id"));
  setLang(state.lang);
  show(messageForError(params.get("error"), params.get("retry")));
  $("login-form").addEventListener("submit", submit);
  Promise.all([loadCities(params.get("city")), showWhoIsIn()]).finally(() => {
    document.body.dataset.ready = "true";
  });
}

start();
