// The account corner of the map's header: "Masuk", or the user's name, role and "Keluar".
import { fetchMe, logout, opdCodes, roleKeys } from "./auth.js";
import { pickLang, translator } from "./i18n.js";

const box = document.getElementById("account");

function span(className, text, i18nKey) {
  const el = document.createElement("span");
  el.className = className;
  if (i18nKey) el.dataset.i18n = i18nKey;
  el.textContent = text;
  return el;
}

function loginLink(t) {
  const link = document.createElement("a");
  link.className = "account-link";
  link.dataset.i18n = "login";
  link.textContent = t("login");
  const here = `${location.pathname}${location.search}`;
  link.href = here === "/" ? "/masuk" : `/masuk?next=${encodeURIComponent(here)}`;
  return link;
}

function signedIn(me, t) {
  const who = document.createElement("span");
  who.className = "account-who";
  who.append(span("account-name", me.user.display_name));
  const roles = document.createElement("span");
  roles.className = "account-role";
  roleKeys(me.user).forEach((key, i) => {
    if (i) roles.append(", ");
    roles.append(span("", t(key), key));
  });
  for (const code of opdCodes(me.user)) roles.append(span("account-opd", ` · ${code}`));
  who.append(roles);
  who.title = `${me.user.display_name} — ${roles.textContent}`; // the whole text where it is cut
  const button = document.createElement("button");
  button.type = "button";
  button.className = "account-logout";
  button.dataset.i18n = "logout";
  button.textContent = t("logout");
  button.addEventListener("click", async () => {
    button.disabled = true;
    if (await logout(me.csrf_token)) {
      await render();
      return;
    }
    button.disabled = false;
    button.title = translator(pickLang(localStorage.getItem("tpo.lang")))("logoutFailed");
  });
  return [who, button];
}

async function render() {
  let me = null;
  try {
    me = await fetchMe();
  } catch {
    me = null; // the server did not say: offer the login link
  }
  const t = translator(pickLang(localStorage.getItem("tpo.lang")));
  if (me?.authenticated && me.user) {
    box.replaceChildren(...signedIn(me, t));
    box.dataset.state = "in";
  } else {
    box.replaceChildren(loginLink(t));
    box.dataset.state = "out";
  }
}

if (box) render();
