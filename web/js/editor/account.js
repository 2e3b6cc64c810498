// The editor's header account box and the gate shown without a login or the role.
import { logout, roleKeys } from "../auth.js";
import { el, setChildren } from "../dom.js";
import { $, showMessage, state, t } from "./context.js";

export function renderAccount() {
  const box = $("account");
  const me = state.me;
  if (!me?.authenticated || !me.user) {
    setChildren(box, el("a", { class: "account-link", href: "/masuk?next=%2Feditor" }, t("login")));
    box.dataset.state = "out";
    return;
  }
  const roles = el("span", { class: "account-role" }, roleKeys(me.user).map((key, i) => [i ? ", " : "", t(key)]));
  const who = el("span", { class: "account-who" }, el("span", { class: "account-name" }, me.user.display_name), roles);
  const button = el("button", { type: "button", class: "account-logout" }, t("logout"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    if (await logout(me.csrf_token)) {
      location.assign("/masuk?next=%2Feditor");
      return;
    }
    button.disabled = false;
    showMessage(t("logoutFailed"));
  });
  setChildren(box, who, button);
  box.dataset.state = "in";
}

export function renderGate(kind) {
  state.gate = kind;
  $("workspace").hidden = true;
  $("gate").hidden = false;
  $("gate-text").textContent = t(kind === "role" ? "edNoAccess" : "edNeedLogin");
  $("gate-login").hidden = kind === "role";
  document.body.dataset.gate = kind;
  document.body.dataset.ready = "true";
}
