// The inspector's forms of an audit's detail: a visit from the phone, a finding with a photo.
// Text from data is set as text (dom.js el); no HTML is parsed.
import { el } from "../dom.js";
import { CATEGORIES, SEVERITIES } from "./format.js";

/** A labelled control. */
export function field(t, label, control) {
  return el("label", null, t(label), control);
}

/** The visit form: a note and, when allowed, the phone's position (the server gives the
 * distance from the site). */
export function visitForm(audit, { t, api }) {
  const note = el("textarea", { id: "visit-note", maxlength: "4000" });
  const useGps = el("input", { id: "visit-gps", type: "checkbox", checked: true });
  const submit = el("button", { id: "visit-submit", type: "submit", class: "primary" }, t("auditSaveVisit"));
  const out = el("p", { id: "visit-result", class: "hint", role: "status" });
  const form = el("form", { class: "audit-form", id: "visit-form" }, el("h3", null, t("auditVisit")), field(t, "auditNote", note),
    el("label", { class: "check" }, useGps, t("auditUseLocation")), submit, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = { note: note.value || null };
    const position = useGps.checked ? await here() : null;
    if (position) Object.assign(body, position);
    try {
      const visit = await api.visit(audit.id, body);
      out.textContent = visit.distance_m == null ? t("auditVisitNoPosition") : t.format("auditVisitDistance", { m: Math.round(visit.distance_m) });
      note.value = "";
    } catch (err) {
      out.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** The phone's position as {lon, lat, accuracy_m}, or null when not given. */
export function here() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
    (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: Math.min(p.coords.accuracy, 100000) }),
    () => resolve(null), { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }));
}

/** The new-finding form with its photo; ``onSaved`` runs after the finding (and photo) are in. */
export function findingForm(audit, site, { t, api, onSaved }) {
  const opd = el("input", { id: "finding-opd", value: site.properties.opd_code, maxlength: "32", required: true });
  const category = el("select", { id: "finding-category" }, CATEGORIES.map((c) => el("option", { value: c }, t(`cat_${c}`))));
  const severity = el("select", { id: "finding-severity" }, SEVERITIES.map((s) => el("option", { value: s }, t(`sev_${s}`))));
  const loss = el("input", { id: "finding-loss", type: "number", min: "0", step: "1", inputmode: "numeric", value: "0" });
  const description = el("textarea", { id: "finding-description", required: true, minlength: "3", maxlength: "8000" });
  const recommendation = el("textarea", { id: "finding-recommendation", required: true, minlength: "3", maxlength: "8000" });
  const photo = el("input", { id: "finding-photo", type: "file", accept: "image/jpeg,image/png", capture: "environment" });
  const submit = el("button", { id: "finding-submit", type: "submit", class: "primary" }, t("auditSaveFinding"));
  const out = el("p", { id: "finding-result", class: "hint", role: "status" });
  const form = el("form", { class: "audit-form", id: "finding-form" }, el("h3", null, t("auditNewFinding")),
    field(t, "fOpd", opd), field(t, "auditCategory", category), field(t, "auditSeverityField", severity), field(t, "auditLoss", loss),
    field(t, "auditDescription", description), field(t, "auditRecommendation", recommendation), field(t, "auditPhoto", photo), submit, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const made = await api.finding(audit.id, {
        opd_code: opd.value.trim(), category: category.value, severity: severity.value,
        potential_loss_idr: Number(loss.value || 0), description: description.value, recommendation: recommendation.value,
      });
      if (photo.files?.[0]) await api.photo(audit.id, photo.files[0], { findingId: made.id });
      out.textContent = t("auditFindingSaved");
      await onSaved();
    } catch (err) {
      out.textContent = err.message;
      submit.disabled = false;
    }
  });
  return form;
}

/** The LHA form (number and date): the date starts each finding's 60-day follow-up clock. */
export function lhaForm({ t, onSubmit }) {
  const no = el("input", { id: "lha-no", required: true, maxlength: "100" });
  const date = el("input", { id: "lha-date", type: "date", required: true });
  const submit = el("button", { id: "lha-submit", type: "submit", class: "primary" }, t("auditLhaIssue"));
  const out = el("p", { id: "lha-result", class: "hint", role: "status" });
  const form = el("form", { class: "audit-form", id: "lha-form" }, el("h3", null, t("auditLhaIssue")),
    field(t, "auditLhaNo", no), field(t, "auditLhaDate", date), submit, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      await onSubmit({ transition: "terbitkan_lha", lha_no: no.value.trim(), lha_date: date.value });
    } catch (err) {
      out.textContent = err.message;
      submit.disabled = false;
    }
  });
  return form;
}

/** The surat tugas form: its number and date, and the inspectors it names (checkboxes of the
 * city's active inspectors, from /audit-inspectors); moves the audit to ``surat_tugas``. */
export function suratTugasForm(inspectors, { t, onSubmit }) {
  const no = el("input", { id: "st-no", required: true, maxlength: "100", placeholder: "700/ST-1/2026" });
  const date = el("input", { id: "st-date", type: "date", required: true });
  const boxes = inspectors.map((p) => el("input", { type: "checkbox", name: "inspector", value: String(p.id), dataset: { username: p.username } }));
  const picks = el("fieldset", { id: "st-inspectors", class: "audit-picks" }, el("legend", null, t("auditInspectors")),
    inspectors.length ? inspectors.map((p, i) => el("label", { class: "check" }, boxes[i], p.display_name)) : el("p", { class: "hint" }, t("auditNoInspectors")));
  const submit = el("button", { id: "st-submit", type: "submit", class: "primary" }, t("auditStIssue"));
  const out = el("p", { id: "st-result", class: "hint", role: "status" });
  const form = el("form", { class: "audit-form", id: "st-form" }, el("h3", null, t("auditStIssue")),
    field(t, "auditStNo", no), field(t, "auditStDate", date), picks, submit, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    if (!chosen.length) {
      out.textContent = t("auditStPickOne");
      return;
    }
    submit.disabled = true;
    try {
      await onSubmit({ transition: "terbitkan_surat_tugas", surat_tugas_no: no.value.trim(), surat_tugas_date: date.value, inspectors: chosen });
    } catch (err) {
      out.textContent = err.message;
      submit.disabled = false;
    }
  });
  return form;
}
