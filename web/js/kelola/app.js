// Entry point of the OPD staff workspace (/kelola): who is in, then filters, the choropleth of
// requests by kelurahan, the table of the selected kelurahan and one request's detail.
import { getJSON } from "../api.js";
import { logout, opdCodes, roleKeys, staffSession } from "../auth.js";
import { el } from "../dom.js";
import { applyTranslations, pickLang, translator } from "../i18n.js";
import { Sequencer } from "../sequence.js";
import { roadsFromZoom } from "../styles.js";
import { StaffApi } from "./api.js";
import { ChoroplethMap } from "./choropleth.js";
import { RequestDetail } from "./detail.js";
import { Filters } from "./filters.js";
import { reportLinks } from "./reports.js";
import { staffAccess } from "./query.js";
import { RequestTable } from "./table.js";

const $ = (id) => document.getElementById(id);
const NARROW = 700;
const state = { lang: pickLang(localStorage.getItem("tpo.lang")), me: null, kelurahan: null, kelurahanName: "", kecamatan: null, city: null, sort: "-created_at", offset: 0, q: "", overdue: false };
let t = translator(state.lang);
const seq = new Sequencer(); // every panel's loads go through it: an older answer never wins
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

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  document.documentElement.lang = lang;
  document.title = `${t("kelolaTitle")} — Tree Point O`;
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
  renderAccount();
  renderWhere();
  for (const part of Object.values(parts)) part.setTranslator?.(t);
  if (!$("gate").hidden) renderGate(state.gate);
}

function renderAccount() {
  const box = $("account");
  const me = state.me;
  if (!me?.authenticated || !me.user) {
    const link = el("a", { class: "account-link", href: "/masuk?next=%2Fkelola" }, t("login"));
    box.replaceChildren(link);
    box.dataset.state = "out";
    return;
  }
  const roles = el("span", { class: "account-role" }, roleKeys(me.user).map((key, i) => [i ? ", " : "", t(key)]), opdCodes(me.user).map((c) => ` · ${c}`));
  const who = el("span", { class: "account-who" }, el("span", { class: "account-name" }, me.user.display_name), roles);
  const button = el("button", { type: "button", class: "account-logout" }, t("logout"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    if (await logout(me.csrf_token)) {
      location.assign("/masuk?next=%2Fkelola");
      return;
    }
    button.disabled = false;
    showMessage(t("logoutFailed"));
  });
  box.replaceChildren(who, button);
  box.dataset.state = "in";
}

function renderGate(kind) {
  state.gate = kind;
  $("workspace").hidden = true;
  $("gate").hidden = false;
  $("gate-text").textContent = t(kind === "role" ? "kelolaNoRole" : "kelolaNeedLogin");
  document.body.dataset.gate = kind;
  document.body.dataset.ready = "true";
}

function renderWhere() {
  if (!$("list-where")) return;
  $("list-where").textContent = state.kelurahan ? `· ${state.kelurahanName || state.kelurahan}` : `· ${t("allKelurahan")}`;
  $("clear-selection").hidden = !state.kelurahan;
  const links = reportLinks(state.city, state.kelurahan, state.kecamatan);
  $("report-links").hidden = !links.length;
  $("report-links").replaceChildren(...links.map((link, i) => [i ? " · " : "", el("a", {
    href: link.href, target: "_blank", rel: "noopener", id: `report-${link.level}`, class: "report-link",
  }, t(link.label))]).flat());
}

async function loadMap() {
  const f = parts.filters.value;
  let result;
  try {
    result = await tracked("map", (signal) => parts.api.byKelurahan(f, { measure: f.measure }, signal));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (!result.current) return;
  const fc = result.value;
  parts.map.setData(fc, f.measure);
  parts.map.select(state.kelurahan);
  const statuses = new Set();
  for (const feature of fc.features || []) for (const s of Object.keys(feature.properties?.by_status || {})) statuses.add(s);
  parts.filters.addStatuses([...statuses]);
}

async function loadTable() {
  const f = parts.filters.value;
  parts.table.loading();
  let result;
  try {
    result = await tracked("table", (signal) => parts.api.list(f, {
      kelurahan: state.kelurahan, q: state.q, overdue: state.overdue, sort: state.sort, offset: state.offset,
    }, signal));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (!result.current) return;
  const page = result.value;
  parts.table.render(page);
  parts.table.markOpen(parts.detail.openId);
  parts.map.showPoints(state.kelurahan ? page.items : []);
}

function refresh() {
  showMessage("");
  return Promise.all([loadMap(), loadTable()]);
}

function select(code, props) {
  state.kelurahan = state.kelurahan === code ? null : code;
  state.kelurahanName = state.kelurahan ? props?.name || code : "";
  state.kecamatan = state.kelurahan ? props?.kecamatan_code || null : null;
  state.offset = 0;
  parts.map.select(state.kelurahan);
  renderWhere();
  loadTable().then(() => {
    if (window.innerWidth < NARROW && state.kelurahan) $("list").scrollIntoView({ block: "start" });
  });
}

function openRequest(id) {
  parts.table.markOpen(id);
  parts.detail.open(id);
}

function wireList() {
  let timer = null;
  $("f-q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.q = $("f-q").value;
      state.offset = 0;
      loadTable();
    }, 300);
  });
  $("f-overdue").addEventListener("change", () => {
    state.overdue = $("f-overdue").checked;
    state.offset = 0;
    loadTable();
  });
  $("clear-selection").addEventListener("click", () => select(state.kelurahan, null));
}

async function startWorkspace(me, config) {
  const access = staffAccess(me.user);
  let cities = [];
  try {
    ({ cities } = await getJSON("/cities"));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
  }
  const slug = me.user.city || config?.default_city;
  const city = cities.find((c) => c.slug === slug) || { slug, name: slug };
  $("city-name").textContent = city.name || "";
  $("demo-badge").hidden = !city.demo;
  $("gate").hidden = true;
  $("workspace").hidden = false;
  state.city = city.slug;
  parts.api = new StaffApi(city.slug, me.csrf_token);
  parts.filters = new Filters({
    t, admin: access.admin,
    onChange: () => {
      state.offset = 0;
      refresh();
    },
  });
  // the filters offer the server's types, states and OPDs; without them the lists stay empty
  // (all types, states seen in answers) and the workspace still works
  parts.api.facets().then((facets) => parts.filters.setFacets(facets), () => {});
  parts.map = new ChoroplethMap($("map"), { t, onSelect: select, onPoint: openRequest });
  parts.map.setBase(city, config?.basemap_url, await roadsFromZoom(city.slug, getJSON));
  parts.table = new RequestTable({
    t,
    onSort: (sort) => {
      state.sort = sort;
      state.offset = 0;
      parts.table.setSort(sort);
      loadTable();
    },
    onPage: (offset) => {
      state.offset = offset;
      loadTable();
    },
    onOpen: openRequest,
  });
  parts.detail = new RequestDetail({
    t, api: parts.api, seq, city, basemapUrl: config?.basemap_url,
    onChanged: refresh,
    onClose: () => parts.table.markOpen(null),
    onMessage: showMessage,
  });
  wireList();
  renderWhere();
  await refresh();
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
  if (!staffAccess(me.user).staff) return renderGate("role");
  return startWorkspace(me, config);
}

start();
