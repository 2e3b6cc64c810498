// The audited office's side of /audit: its own OPD's findings once the notisi is sent, each
// with the form to answer it (notisi) or to enter its follow-up with an optional photo (after
// the LHA). There is no control that edits a finding.
import { el, setChildren } from "../dom.js";
import { findingCard } from "./cards.js";
import { field } from "./forms.js";

const $ = (id) => document.getElementById(id);

function officeForm(f, kind, { t, api, reload, message }) {
  const label = kind === "respond" ? "auditResponse" : "auditFollowup";
  const text = el("textarea", { class: "office-text", maxlength: "8000", "aria-label": t(label) });
  const photo = kind === "follow" ? el("input", { type: "file", class: "office-photo", accept: "image/jpeg,image/png", capture: "environment" }) : null;
  const send = el("button", { type: "submit", class: "primary" }, t(kind === "respond" ? "auditSendResponse" : "auditSendFollowup"));
  const form = el("form", { class: "audit-form", dataset: { kind } }, field(t, label, text), photo ? field(t, "auditPhoto", photo) : null, send);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    send.disabled = true;
    try {
      if (kind === "respond") await api.respond(f.id, text.value);
      else {
        const made = await api.followUp(f.id, text.value);
        if (photo.files?.[0]) await api.followUpPhoto(f.id, made.id, photo.files[0]);
      }
      await reload();
    } catch (err) {
      message(err.message);
      send.disabled = false;
    }
  });
  return form;
}

/** Load and show the office's findings. */
export async function loadOffice({ t, api, message }) {
  let items = [];
  try {
    items = await api.findings();
  } catch (err) {
    message(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  const reload = () => loadOffice({ t, api, message });
  $("office-count").textContent = t.format("auditFindingCount", { n: items.length });
  const cards = await Promise.all(items.map(async (summary) => {
    let f = summary;
    try {
      f = (await api.call(`/audit-findings/${summary.id}`)).data;
    } catch {
      // the summary is enough to show
    }
    const kind = f.audit_status === "notisi" ? "respond" : ["lha", "pemantauan"].includes(f.audit_status) ? "follow" : null;
    const actions = kind ? [officeForm(f, kind, { t, api, reload, message })] : [];
    return el("div", null, el("p", null, el("strong", null, f.activity)), findingCard(f, { t, api }, actions));
  }));
  setChildren($("office-list"), ...cards);
}
