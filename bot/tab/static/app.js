/* The Hub workspace's core: sign-in, the API, the pages' router, the theme and the helpers
 * the pages use. Officers' text is only ever put in the page as text (textContent), never as
 * markup. No cookies: the Teams token travels in the Authorization header. */
"use strict";

(function () {
  // Inside Teams the page is framed; the Teams client library is loaded only then.
  const inTeams = window.parent !== window;
  const pages = {};
  let teamsReady = null;

  /* h("p", {class: "x"}, "text", child): an element; strings become text nodes. */
  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
      else if (value === true) element.setAttribute(name, "");
      else element.setAttribute(name, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  function applyTheme(theme) {
    const known = { dark: "dark", contrast: "contrast", default: "default" };
    document.documentElement.dataset.theme = known[theme] || "default";
  }

  async function token() {
    if (!inTeams) return null;
    await teamsReady;
    return microsoftTeams.authentication.getAuthToken();
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || `The workspace could not be reached (${status}). Try again in a moment.`);
      this.status = status;
      this.body = body;
    }
  }

  /* A call to the workspace's API: JSON in and out, the Teams token in the header. */
  async function api(path, body) {
    const headers = { Accept: "application/json" };
    const bearer = await token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const init = { method: body === undefined ? "GET" : "POST", headers, credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`api/${path}`, init);
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("application/json") ? await response.json() : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  /* A file from the API, saved by the browser under ``name``. */
  async function download(path, name) {
    const headers = {};
    const bearer = await token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const response = await fetch(`api/${path}`, { headers, credentials: "omit" });
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new ApiError(response.status, data);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function say(text, kind) {
    const status = document.getElementById("status");
    status.className = `status ${kind || ""}`;
    status.textContent = text || "";
  }

  function main() {
    return document.getElementById("main");
  }

  /* Show a page's content, and move focus to its heading so keyboard and screen-reader users
   * land on it. */
  function show(...content) {
    const region = main();
    region.replaceChildren(...content.filter((part) => part !== null && part !== undefined));
    const heading = region.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString("en-GB", { timeZone: "Europe/London", day: "numeric", month: "short",
      year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function day(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleDateString("en-GB", { timeZone: "Europe/London", day: "numeric", month: "short",
      year: "numeric" });
  }

  function route() {
    const hash = location.hash.replace(/^#\/?/, "").split("?")[0] || "queue";
    const [name, ...rest] = hash.split("/");
    const page = pages[name] ? name : "queue";
    for (const link of document.querySelectorAll("#nav a")) {
      if (link.dataset.page === page || (page === "submission" && link.dataset.page === "queue")
          || (page === "entry" && link.dataset.page === "knowledge")) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    say("");
    Promise.resolve(pages[page](decodeURIComponent(rest.join("/")))).catch((error) => failed(error));
  }

  function failed(error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      document.getElementById("nav").hidden = true;
      show(h("h2", {}, error.status === 403 ? "Hub staff only" : "Signing in did not work"), h("p", {}, error.message));
      return;
    }
    say(error.message || "Something went wrong. Try again in a moment.", "bad");
  }

  function teamsLibrary() {
    return new Promise((resolve, reject) => {
      const script = h("script", { src: "lib/teams.js" });
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => reject(new Error("The Teams library could not be loaded.")));
      document.head.append(script);
    });
  }

  async function start() {
    if (inTeams) {
      teamsReady = teamsLibrary().then(() => microsoftTeams.app.initialize()).then(async () => {
        const context = await microsoftTeams.app.getContext();
        applyTheme(context.app && context.app.theme);
        microsoftTeams.app.registerOnThemeChangeHandler(applyTheme);
      });
    } else {
      const theme = new URLSearchParams(location.search).get("theme");
      applyTheme(theme);
    }
    try {
      const me = await api("me");
      document.getElementById("nav").hidden = false;
      if (me.local) {
        const banner = document.getElementById("banner");
        banner.textContent = `Local mode: signed in as ${me.name} on this computer, not through Teams.`;
        banner.hidden = false;
      }
    } catch (error) {
      failed(error);
      return;
    }
    window.addEventListener("hashchange", route);
    route();
  }

  window.Hub = { h, api, download, say, show, when, day, pages, ApiError, failed };
  document.addEventListener("DOMContentLoaded", start);
})();
