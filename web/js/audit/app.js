// Entry point of the inspectorate's page (/audit): the map of audit sites coloured by the worst
// severity of their open findings, filters, the site list, the per-OPD table, one site's audit
// with the surat tugas, LHA and phone-sized visit and finding forms (with a photo), a new site
// entered on the map (entry.js); office staff see their findings and answer the notisi or enter
// their follow-up (office.js; they never edit a finding).
import * as L from "leaflet";
import { getJSON } from "../api.js";
import { logout, roleKeys, staffSession } from "../auth.js";
import { el, setChildren } from "../dom.js";
import { applyTranslations, pickLang, translator } from "../i18n.js";
import { AuditApi } from "./api.js";
import { facts as factList, findingCard as card, sevBadge as badge } from "./cards.js";
import { siteEntryForm } from "./entry.js";
import { findingForm, lhaForm, suratTugasForm, visitForm } from "./forms.js";
import { SEVERITIES, SEVERITY_COLOURS, choices, rupiah } from "./format.js";
import { loadOffice } from "./office.js";

const $ = (id) => document.getElementById(id);
const INSPECTORATE = ["inspektur", "admin_kota", "admin"];
const EDITORS = ["inspektur", "admin"];
const FIELDWORK = ["surat_tugas", "pemeriksaan", "notisi"];
const SIMPLE_STEPS = ["mulai_pemeriksaan", "kirim_notisi", "mulai_pemantauan", "selesai"];
const state = { lang: pickLang(localStorage.getItem("tpo.lang")), me: null, filters: {}, features: [], site: null };
let t = translator(state.lang);
let api = null;
let map = null;
let layer = null;
let entry = null;
let opdCodes = [];

function message(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

function roles() {
  return new Set((state.me?.user?.roles || []).map((g) => g.role));
}

function may(list) {
  const mine = roles();
  return list.some((r) => mine.has(r));
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  document.documentElement.lang = lang;
  document.title = `${t("auditTitle")} — Tree Point O`;
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
}

function renderAccount() {
  const me = state.me;
  const box = $("account");
  if (!me?.authenticated || !me.user) {
    setChildren(box, el("a", { class: "account-link", href: "/masuk?next=%2Faudit" }, t("login")));
    return;
  }
  const button = el("button", { type: "button", class: "account-logout" }, t("logout"));
  button.addEventListener("click", async () => {
    if (await logout(me.csrf_token)) location.assign("/masuk?next=%2Faudit");
  });
  setChildren(box, el("span", { class: "account-who" }, me.user.display_name, " · ", roleKeys(me.user).map((k) => t(k)).join(", ")), button);
  box.dataset.state = "in";
}

function gate(kind) {
  $("gate").hidden = false;
  $("gate-text").textContent = t(kind === "role" ? "auditNoRole" : "auditNeedLogin");
  document.body.dataset.gate = kind;
  document.body.dataset.ready = "true";
}

const sevBadge = (severity) => badge(severity, t);
const facts = (pairs) => factList(pairs, t);
const findingCard = (f, actions = []) => card(f, { t, api }, actions);

// -- the inspectorate --------------------------------------------------------------------------
function fillSelect(select, pairs, allKey) {
  const current = select.value;
  setChildren(select, el("option", { value: "" }, t(allKey)), ...pairs.map(([value, label]) => el("option", { value: String(value) }, String(label))));
  select.value = pairs.some(([v]) => String(v) === current) ? current : "";
}

function renderLegend() {
  const items = [
    ...SEVERITIES.slice().reverse().map((s) => [SEVERITY_COLOURS[s], t(`sev_${s}`)]),
    ["#2b83ba", t("auditLegendOpen")], ["#1a9641", t("auditLegendDone")], ["#878787", t("auditLegendNone")],
  ];
  setChildren($("legend"), ...items.map(([colour, label]) => el("span", null, el("span", { class: "swatch", style: { background: colour } }), label)));
}

function drawSites(features) {
  layer.clearLayers();
  for (const f of features) {
    const colour = f.properties.colour || "#878787";
    const shape = L.geoJSON(f, {
      pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 7, color: "#333", weight: 1, fillColor: colour, fillOpacity: 0.9 }),
      style: () => ({ color: colour, weight: 2, fillColor: colour, fillOpacity: 0.5 }),
    });
    shape.on("click", () => { if (!map.pm?.globalDrawModeEnabled?.()) openSite(f.id); });
    shape.bindTooltip(() => el("span", null, f.properties.activity));
    layer.addLayer(shape);
  }
}

function renderSiteRows(features) {
  $("site-count").textContent = t.format("auditSiteCount", { n: features.length });
  setChildren($("sites-body"), ...features.map((f) => {
    const p = f.properties;
    const row = el("tr", { class: "site-row", tabindex: "0", dataset: { site: String(f.id) }, "aria-selected": state.site === f.id ? "true" : "false" },
      el("td", null, el("strong", null, p.activity), el("br"), `${p.opd_code} · ${p.fiscal_year} · ${p.kecamatan_name || p.kecamatan_code || ""}`),
      el("td", null, t(`ast_${p.audit_status}`)),
      el("td", null, sevBadge(p.worst_severity), p.overdue_findings ? el("span", { class: "overdue" }, " ", t.format("auditOverdueN", { n: p.overdue_findings })) : null));
    row.addEventListener("click", () => openSite(f.id));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") openSite(f.id); });
    return row;
  }));
}

async function loadSites() {
  try {
    const fc = await api.sites(state.filters);
    state.features = fc.features || [];
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  drawSites(state.features);
  renderSiteRows(state.features);
}

async function loadByOpd() {
  let rows = [];
  try {
    rows = await api.byOpd();
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  const heads = ["fOpd", "auditSites", "auditAudits", "auditFindings", "auditOpen", "auditLoss", "auditPast60"];
  setChildren($("by-opd-head"), ...heads.map((k, i) => el("th", { class: i ? "num" : null }, t(k))));
  opdCodes = rows.map((r) => r.opd_code);
  setChildren($("by-opd-body"), ...rows.map((r) => el("tr", { dataset: { opd: r.opd_code } },
    el("td", null, r.opd_name ? `${r.opd_name} (${r.opd_code})` : r.opd_code),
    el("td", { class: "num" }, r.sites), el("td", { class: "num" }, r.audits), el("td", { class: "num" }, r.findings),
    el("td", { class: "num" }, r.open_findings), el("td", { class: "num" }, rupiah(r.potential_loss_idr)),
    el("td", { class: `num${r.overdue_findings ? " overdue" : ""}` }, r.overdue_findings))));
}

async function refreshAfterFinding(auditId, site) {
  await openAudit(auditId, site);
  loadSites();
  loadByOpd();
}

async function openAudit(auditId, site) {
  let answer;
  try {
    answer = await api.audit(auditId);
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  const audit = answer.data;
  const editor = may(EDITORS);
  const steps = (audit.transitions || []).filter((s) => SIMPLE_STEPS.includes(s.name)).map((s) => {
    const b = el("button", { type: "button", class: "ghost", dataset: { step: s.name } }, s.label);
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await api.step(audit.id, answer.etag, { transition: s.name });
        await openAudit(audit.id, site);
        loadSites();
      } catch (err) {
        message(err.message);
        b.disabled = false;
      }
    });
    return b;
  });
  setChildren($("panel-body"), 
    siteFacts(site),
    el("h3", { id: "audit-title" }, audit.title),
    facts([["auditStatus", audit.status_label], ["auditBasis", t(`basis_${audit.basis}`)], ["auditSuratTugas", audit.surat_tugas_no],
      ["auditInspectors", audit.inspectors.join(", ")], ["auditLha", audit.lha_no && `${audit.lha_no} (${audit.lha_date})`]]),
    steps.length ? el("p", null, steps) : null,
    editor && (audit.transitions || []).some((s) => s.name === "terbitkan_surat_tugas") ? suratTugasForm(await inspectorsOrNone(), { t, onSubmit: async (body) => {
      await api.step(audit.id, answer.etag, body);
      await openAudit(audit.id, site);
      loadSites();
    } }) : null,
    el("h3", null, t("auditFindings"), ` (${audit.findings.length})`),
    audit.findings.map((f) => findingCard(f)),
    el("h3", null, t("auditVisits"), ` (${audit.visits.length})`),
    audit.visits.map((v) => el("p", { class: "hint" }, `${v.visited_at.slice(0, 16).replace("T", " ")} · ${v.inspector}${v.distance_m == null ? "" : ` · ${Math.round(v.distance_m)} m`}`)),
    editor && FIELDWORK.includes(audit.status) ? visitForm(audit, { t, api }) : null,
    editor && (audit.transitions || []).some((s) => s.name === "terbitkan_lha") ? lhaForm({ t, onSubmit: async (body) => {
      await api.step(audit.id, answer.etag, body);
      await refreshAfterFinding(audit.id, site);
    } }) : null,
    editor && ["pemeriksaan", "notisi"].includes(audit.status) ? findingForm(audit, site, { t, api, onSaved: () => refreshAfterFinding(audit.id, site) }) : null,
  );
  document.body.dataset.audit = String(audit.id);
}

async function inspectorsOrNone() {
  try {
    return await api.inspectors();
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
    return [];
  }
}

function closeEntry() {
  entry?.close();
  entry = null;
}

function openEntry() {
  closeEntry();
  state.site = null;
  $("panel").hidden = false;
  $("panel-title").textContent = t("auditNewSite");
  entry = siteEntryForm({ map, panel: $("panel"), t, api, opdCodes: [...new Set([...opdCodes, ...choices(state.features, "opd_code").map(([v]) => v)])].sort(), onSaved: async (id) => {
    entry = null;
    await loadSites();
    loadByOpd();
    await openSite(id);
  } });
  setChildren($("panel-body"), entry);
}

function siteFacts(site) {
  const p = site.properties;
  return facts([["fOpd", p.opd_code], ["auditYear", p.fiscal_year], ["auditBudget", rupiah(p.budget_idr)],
    ["auditContractor", p.contractor], ["auditContract", p.contract_value_idr == null ? null : rupiah(p.contract_value_idr)],
    ["auditProgress", `${p.progress_pct} %`], ["auditKecamatan", p.kecamatan_name], ["auditKelurahan", p.kelurahan_name]]);
}

async function openSite(id) {
  closeEntry();
  state.site = id;
  let site;
  try {
    site = await api.site(id);
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  $("panel").hidden = false;
  $("panel-title").textContent = site.properties.activity;
  const audits = site.properties.audits || [];
  setChildren($("panel-body"), siteFacts(site), el("h3", null, t("auditAudits")),
    audits.length ? audits.map((a) => {
      const b = el("button", { type: "button", class: "ghost", dataset: { audit: String(a.id) } }, `${a.title} · ${t(`ast_${a.status}`)}`);
      b.addEventListener("click", () => openAudit(a.id, site));
      return el("p", null, b);
    }) : el("p", { class: "hint" }, t("auditNoAudit")));
  for (const row of document.querySelectorAll("#sites-body tr")) row.setAttribute("aria-selected", row.dataset.site === String(id) ? "true" : "false");
  if (audits.length === 1) await openAudit(audits[0].id, site);
  $("panel").focus();
}

async function startInspectorate(city, config) {
  $("inspectorate").hidden = false;
  map = L.map($("map"), { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Tree Point O · Leaflet");
  if (config?.basemap_url) L.tileLayer(config.basemap_url, { maxZoom: 19 }).addTo(map);
  if (city.bbox) {
    const [minx, miny, maxx, maxy] = city.bbox;
    map.fitBounds([[miny, minx], [maxy, maxx]]);
  } else {
    map.setView([-6.178, 106.63], 12);
  }
  L.geoJSON(null).addTo(map);
  layer = L.layerGroup().addTo(map);
  getJSON(`/cities/${encodeURIComponent(city.slug)}/collections/kecamatan/items?limit=200`).then((fc) => {
    L.geoJSON(fc, { style: { color: "#6a3d9a", weight: 1, fill: false }, interactive: false }).addTo(map);
  }, () => {});
  renderLegend();
  await loadSites();
  fillSelect($("f-opd"), choices(state.features, "opd_code"), "auditAll");
  fillSelect($("f-year"), choices(state.features, "fiscal_year").reverse(), "auditAll");
  fillSelect($("f-kec"), choices(state.features, "kecamatan_code", "kecamatan_name"), "auditAll");
  fillSelect($("f-sev"), SEVERITIES.map((s) => [s, t(`sev_${s}`)]), "auditAll");
  $("filters").addEventListener("change", () => {
    state.filters = { opd: $("f-opd").value, fiscal_year: $("f-year").value, kecamatan: $("f-kec").value, severity: $("f-sev").value };
    loadSites();
  });
  if (may(EDITORS)) {
    $("site-add").hidden = false;
    $("site-add").addEventListener("click", openEntry);
  }
  $("panel-close").addEventListener("click", () => {
    closeEntry();
    $("panel").hidden = true;
    state.site = null;
  });
  await loadByOpd();
}

async function start() {
  $("lang-toggle").addEventListener("click", () => {
    setLang(state.lang === "id" ? "en" : "id");
    renderAccount();
  });
  setLang(state.lang);
  const session = await staffSession((err) => message(`${t("loadFailed")}: ${err.message}`));
  state.me = session.me;
  const config = session.config;
  renderAccount();
  const me = state.me;
  if (!me?.authenticated || !me.user) return gate("login");
  const inspectorate = may(INSPECTORATE);
  if (!inspectorate && !roles().has("opd_staff")) return gate("role");
  let cities = [];
  try {
    ({ cities } = await getJSON("/cities"));
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
  }
  const slug = me.user.city || config?.default_city;
  const city = cities.find((c) => c.slug === slug) || { slug, name: slug };
  $("city-name").textContent = city.name || "";
  api = new AuditApi(city.slug, me.csrf_token);
  if (inspectorate) await startInspectorate(city, config);
  else {
    $("office").hidden = false;
    await loadOffice({ t, api, message });
  }
  document.body.dataset.ready = "true";
}

start();
