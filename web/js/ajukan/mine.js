// "Pengajuan saya": the requests a logged-in warga submitted, each linking to its tracking page.
import { getJSON } from "../api.js";
import { el } from "../dom.js";
import { checkReport } from "../izin/report.js";
import { formatDate } from "./rules.js";

/** A button that shows the stored pre-check of the citizen's own permit application. */
function permitCheckButton(t, lang, code) {
  const box = el("div", { class: "my-permit-check" });
  const button = el("button", { type: "button", class: "secondary", dataset: { code } }, t("myPermitCheck"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    box.replaceChildren(el("p", { class: "hint" }, t("loading")));
    try {
      const result = await getJSON(`/me/requests/${encodeURIComponent(code)}/permit-check`);
      box.replaceChildren(
        el("p", { class: "hint" }, t("myPermitCheckVersion").replace("{version}", String(result.version)).replace("{date}", formatDate(result.ran_at, lang))),
        checkReport(t, lang, result));
    } catch (err) {
      box.replaceChildren(el("p", { class: "hint" }, err.message));
    } finally {
      button.disabled = false;
    }
  });
  return [button, box];
}

/** A <section> listing GET /me/requests (an error or "none yet" when there is nothing to list). */
export async function myRequestsList(t, lang) {
  const section = el("section", { id: "my-requests", class: "my-requests" }, el("h3", null, t("myRequests")));
  let rows;
  try {
    rows = await getJSON("/me/requests");
  } catch (err) {
    section.append(el("p", { class: "hint" }, err.message));
    return section;
  }
  if (!rows.length) {
    section.append(el("p", { class: "hint" }, t("noRequests")));
    return section;
  }
  section.append(el("ul", { class: "results" }, rows.map((r) => {
    const key = `status_${r.status}`;
    const label = t(key) === key ? r.status_label : t(key);
    return el(
      "li", { dataset: { code: r.code } },
      el("a", { href: `/lacak?kode=${encodeURIComponent(r.code)}` }, r.code),
      el("div", null, r.title),
      el("div", { class: "hint" }, `${label} · ${r.kelurahan || ""} · ${formatDate(r.created_at, lang)}`),
      ...(r.type === "izin" ? permitCheckButton(t, lang, r.code) : []),
    );
  })));
  return section;
}
