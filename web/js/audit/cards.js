// What the inspectorate's page and the office's list both show: severity badges, facts, and a
// finding's card with its clock, the office's answers and follow-ups, and its photos. Text from
// data is set as text.
import { el } from "../dom.js";
import { SEVERITY_COLOURS, clockText, rupiah } from "./format.js";

export function sevBadge(severity, t) {
  if (!severity) return el("span", { class: "hint" }, "—");
  return el("span", { class: "sev", style: { background: SEVERITY_COLOURS[severity] || "#888" } }, t(`sev_${severity}`));
}

export function facts(pairs, t) {
  return el("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [el("dt", null, t(k)), el("dd", null, String(v))]));
}

function photos(list, f, api, t) {
  if (!list.length) return null;
  return el("p", { class: "audit-photos" }, list.map((p) => el("a", { href: api.photoUrl(f.id, p.id), target: "_blank", rel: "noopener", dataset: { photo: String(p.id) } },
    el("img", { src: api.photoUrl(f.id, p.id), alt: `${t("auditPhotoOf")} ${p.filename}`, loading: "lazy", class: "audit-thumb" }))));
}

/** A finding's card; ``actions``: the office's forms under it. */
export function findingCard(f, { t, api }, actions = []) {
  const all = f.photos || [];
  const ofEntry = (id) => all.filter((p) => p.followup_id === id);
  return el("div", { class: "finding-card", dataset: { finding: String(f.id) } },
    el("p", null, sevBadge(f.severity, t), " ", el("strong", null, t(`cat_${f.category}`)), f.potential_loss_idr ? ` · ${rupiah(f.potential_loss_idr)}` : ""),
    el("p", null, f.description),
    photos(all.filter((p) => p.followup_id == null), f, api, t),
    el("p", { class: "hint" }, `${t("auditRecommendation")}: ${f.recommendation}`),
    el("p", { class: f.overdue ? "overdue" : "hint", dataset: { clock: "true" } }, `${t(`fu_${f.followup_status}`)} · ${clockText(f, t)}`),
    (f.responses || []).map((r) => el("p", { class: "hint" }, `${t("auditResponse")} (${r.actor}): ${r.text}`)),
    (f.followups || []).map((r) => el("div", { class: "followup", dataset: { followup: String(r.id) } },
      el("p", { class: "hint" }, `${t("auditFollowup")} (${r.actor}): ${r.text}${r.status ? ` → ${t(`fu_${r.status}`)}` : ""}`),
      photos(ofEntry(r.id), f, api, t))),
    actions);
}
