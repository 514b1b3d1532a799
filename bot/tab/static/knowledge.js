/* The Hub workspace's knowledge pages (the entries, the editor with its live check and
 * answer preview, publish and retire), the gaps and the board report. */
"use strict";

(function () {
  const { h, api, download, say, show, day, pages, ApiError, failed } = window.Hub;
  const { field, select, section, list } = window.HubRecord;

  const EFFECTS = ["", "reduced", "mixed", "no-effect", "increased", "unknown"];
  const QUALITIES = ["", "strong", "moderate", "limited", "very-limited"];
  let draft = null; // a new entry's starting fields (from the gaps page)

  pages.knowledge = async function () {
    const data = await api("knowledge");
    const rows = data.entries.map((e) => h("tr", {},
      h("td", { "data-label": "Entry" }, h("a", { href: `#/entry/${e.path}` }, e.title)),
      h("td", { "data-label": "Kind" }, e.kind || "Not valid"),
      h("td", { "data-label": "Effect" }, e.effect || ""),
      h("td", { "data-label": "Quality" }, e.quality || ""),
      h("td", { "data-label": "Review by" }, e.review_by || ""),
      h("td", { "data-label": "State" }, e.problems.some((p) => p.severity === "error")
        ? `${e.problems.length} problem${e.problems.length > 1 ? "s" : ""}` : e.stale ? "Past its review date" : "Current")));
    show(h("h2", {}, "Knowledge"),
      h("p", { class: "quiet" }, `${data.entries.length} files; serving version ${data.served_version || "none"}.`),
      h("p", {}, h("a", { href: "#/entry/", class: "button" }, "New entry")),
      h("table", { class: "queue" }, h("caption", { class: "visually-hidden" }, "Knowledge entries"),
        h("thead", {}, h("tr", {}, ["Entry", "Kind", "Effect", "Quality", "Review by", "State"]
          .map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows)));
  };

  function input(name, value, attrs) {
    return h("input", { id: `e-${name}`, name, value: value || "", "aria-describedby": `e-${name}-error`, ...attrs });
  }

  function area(name, value, rows) {
    const element = h("textarea", { id: `e-${name}`, name, rows, "aria-describedby": `e-${name}-error` });
    element.value = value || "";
    return element;
  }

  function withError(label, control, hint) {
    const wrapper = field(label, control, hint);
    wrapper.append(h("p", { class: "error", id: `${control.id}-error` }));
    return wrapper;
  }

  function editorForm(entry, crimeTypes) {
    const f = entry.fields;
    const kind = select("e-kind", [["research", "Research"], ["practice", "Practice"]], f.kind || "research");
    kind.name = "kind";
    kind.setAttribute("aria-describedby", "e-kind-error");
    const effect = select("e-effect", EFFECTS.map((v) => [v, v || "(none)"]), f.effect || "");
    effect.name = "effect";
    effect.setAttribute("aria-describedby", "e-effect-error");
    const quality = select("e-quality", QUALITIES.map((v) => [v, v || "(none)"]), f.quality || "");
    quality.name = "quality";
    quality.setAttribute("aria-describedby", "e-quality-error");
    const crimes = h("fieldset", { class: "checks", id: "e-crime_types", "aria-describedby": "e-crime_types-error" },
      h("legend", {}, "Crime types"),
      crimeTypes.map((c) => h("label", {}, h("input", { type: "checkbox", name: "crime_types", value: c.code,
        checked: (f.crime_types || []).includes(c.code) }), ` ${c.label}`)),
      h("p", { class: "error", id: "e-crime_types-error" }));
    return h("form", { id: "editor", class: "editor", novalidate: true, onsubmit: (e) => e.preventDefault() },
      withError("Id", input("id", f.id, { readonly: entry.path ? true : null }),
        "Lowercase letters, digits and -; it cannot change once published."),
      withError("Title", input("title", f.title)),
      withError("Kind", kind),
      withError("Summary", area("summary", f.summary, 3), "One to three sentences, shown in the answer card."),
      crimes,
      withError("Settings (comma-separated)", input("settings", (f.settings || []).join(", "))),
      withError("Effect (research)", effect),
      withError("Quality of evidence (research)", quality),
      withError("Source", input("source", f.source)),
      withError("Link", input("link", f.link, { type: "url" })),
      withError("Force or organisation (practice)", input("force", f.force)),
      withError("Contact", input("contact", f.contact)),
      withError("Published (YYYY-MM-DD)", input("published", f.published)),
      withError("Review by (YYYY-MM-DD)", input("review_by", f.review_by)),
      withError("Tags (comma-separated)", input("tags", (f.tags || []).join(", "))),
      withError("How officers ask for it (one question a line)", area("asked", (f.asked || []).join("\n"), 4)),
      withError("Body (Markdown)", area("body", entry.body, 14)));
  }

  function formFields(form) {
    const value = (name) => form.elements[name] ? form.elements[name].value : "";
    const split = (text, by) => text.split(by).map((s) => s.trim()).filter(Boolean);
    return {
      id: value("id").trim(), title: value("title"), kind: value("kind"), summary: value("summary"),
      crime_types: [...form.querySelectorAll("input[name=crime_types]:checked")].map((c) => c.value),
      settings: split(value("settings"), ","), effect: value("effect"), quality: value("quality"),
      source: value("source"), link: value("link"), force: value("force"), contact: value("contact"),
      published: value("published"), review_by: value("review_by"), tags: split(value("tags"), ","),
      asked: split(value("asked"), "\n"),
    };
  }

  function showProblems(form, problems) {
    for (const slot of form.querySelectorAll(".error")) slot.textContent = "";
    for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
    const general = [];
    for (const problem of problems) {
      const name = problem.field.replace(/^evidence\./, "").split(".")[0];
      const slot = form.querySelector(`#e-${CSS.escape(name)}-error`);
      const text = `${problem.severity === "warning" ? "Warning: " : ""}${problem.reason}`;
      if (slot) {
        slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
        const control = form.querySelector(`#e-${CSS.escape(name)}`);
        if (control && problem.severity === "error") control.setAttribute("aria-invalid", "true");
      } else general.push(`${problem.field || "File"}: ${text}`);
    }
    return general;
  }

  function preview(target, card) {
    target.replaceChildren();
    if (!card) {
      target.append(h("p", { class: "quiet" }, "The preview appears when the entry has no errors."));
      return;
    }
    const adaptive = new AdaptiveCards.AdaptiveCard();
    adaptive.hostConfig = new AdaptiveCards.HostConfig({ fontFamily: "Segoe UI, system-ui, sans-serif" });
    adaptive.parse(card);
    target.append(adaptive.render());
  }

  pages.entry = async function (path) {
    const taxonomy = await api("knowledge");
    const entry = path ? await api(`knowledge/entry?path=${encodeURIComponent(path)}`)
      : { path: "", base: null, revisions: [], body: "## Effect\n\n", fields: draft || {} };
    draft = null;
    const form = editorForm(entry, taxonomy.crime_types);
    const general = h("ul", { class: "errors", "aria-live": "polite" });
    const previewBox = h("div", { class: "preview", "aria-label": "Answer card preview", role: "region" });
    let base = entry.base;
    let timer = null;
    let checking = 0;
    async function check() {
      const mine = ++checking;
      const answer = await api("knowledge/check", { path: entry.path || null, fields: formFields(form),
        body: form.elements.body.value });
      if (mine !== checking) return answer;
      general.replaceChildren(...showProblems(form, answer.problems).map((line) => h("li", {}, line)));
      preview(previewBox, answer.card);
      return answer;
    }
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => check().catch(failed), 400);
    });
    const publish = h("button", { type: "button", id: "publish" }, "Publish");
    publish.addEventListener("click", async () => {
      publish.disabled = true;
      say("Publishing: checking, writing and building the index...");
      try {
        const answer = await api("knowledge/publish", { path: entry.path || null, fields: formFields(form),
          body: form.elements.body.value, base });
        base = answer.base;
        say(answer.message, "good");
        if (!entry.path) location.hash = `#/entry/${answer.path}`;
      } catch (error) {
        if (error instanceof ApiError && error.body && error.body.problems) {
          general.replaceChildren(...showProblems(form, error.body.problems).map((line) => h("li", {}, line)));
          say(error.message, "bad");
          const first = form.querySelector("[aria-invalid]");
          if (first) first.focus();
        } else failed(error);
      } finally {
        publish.disabled = false;
      }
    });
    const buttons = [publish];
    if (entry.path) {
      const retire = h("button", { type: "button", id: "retire", class: "secondary" }, "Retire this entry");
      retire.addEventListener("click", async () => {
        if (!window.confirm(`Retire ${entry.path}? Officers will no longer be shown it; its text is kept.`)) return;
        try {
          const answer = await api("knowledge/retire", { path: entry.path, base });
          say(answer.message, "good");
          location.hash = "#/knowledge";
        } catch (error) { failed(error); }
      });
      buttons.push(retire);
    }
    const revisions = entry.revisions.map((r) => `${day(r.at)}: ${r.action} by ${r.by}`);
    show(h("p", {}, h("a", { href: "#/knowledge" }, "Back to the knowledge entries")),
      h("h2", {}, entry.path ? `Edit ${entry.fields.title || entry.path}` : "New entry"),
      h("div", { class: "editor-layout" }, h("div", {}, form, general, h("div", { class: "buttons" }, buttons)),
        h("div", {}, h("h3", {}, "Preview"), previewBox, section("Revisions", list(revisions, "None yet.")))));
    await check();
  };

  pages.gaps = async function () {
    const days = new URLSearchParams(location.hash.split("?")[1] || "").get("days") || "30";
    const data = await api(`gaps?days=${encodeURIComponent(days)}`);
    const chooser = select("g-days", [["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"],
      ["365", "Last year"]], String(data.days));
    chooser.addEventListener("change", () => { location.hash = `#/gaps?days=${chooser.value}`; });
    const rows = data.groups.map((g) => {
      const write = h("button", { type: "button", class: "secondary" }, "Write an entry for this");
      write.addEventListener("click", () => {
        draft = { title: "", kind: "research", asked: [g.question] };
        location.hash = "#/entry/";
      });
      return h("tr", {}, h("td", { "data-label": "Question" }, g.question),
        h("td", { "data-label": "Asked" }, String(g.count)), h("td", { "data-label": "Wordings" }, String(g.wordings)),
        h("td", { "data-label": "No good match" }, String(g.no_match)),
        h("td", { "data-label": "Asked for law, figures or admin" }, String(g.asks_for_other)),
        h("td", { "data-label": "Not helpful" }, String(g.not_helpful)),
        h("td", { "data-label": "Last asked" }, day(g.last_asked)), h("td", {}, write));
    });
    show(h("h2", {}, "Gaps in the evidence"), field("Period", chooser),
      h("p", { class: "quiet" }, `${data.questions} questions in ${data.groups.length} groups of similar wording.`),
      data.groups.length ? h("table", { class: "queue" }, h("caption", { class: "visually-hidden" }, "Gaps"),
        h("thead", {}, h("tr", {}, ["Question", "Asked", "Wordings", "No good match", "Asked for law, figures or admin", "Not helpful",
          "Last asked", "Action"]
          .map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows))
        : h("p", {}, "Every question found a good match, and no officer said the results did not help."));
  };

  pages.report = async function () {
    const month = new URLSearchParams(location.hash.split("?")[1] || "").get("month") || "";
    const data = await api(`report${month ? `?month=${encodeURIComponent(month)}` : ""}`);
    const chooser = h("input", { id: "r-month", type: "month", value: data.month });
    chooser.addEventListener("change", () => { location.hash = `#/report?month=${chooser.value}`; });
    const get = (format) => {
      const button = h("button", { type: "button", class: "secondary" }, `Download ${format.toUpperCase()}`);
      button.addEventListener("click", () => download(`report/download?month=${data.month}&format=${format}`,
        `board-report-${data.month}.${format}`).catch(failed));
      return button;
    };
    show(h("h2", {}, `Board report: ${data.title}`), field("Month", chooser),
      h("div", { class: "buttons" }, get("csv"), get("html")),
      section("Headline figures", list(data.lines, "No figures.")),
      h("div", { class: "charts" }, data.charts.map((c) => h("figure", {},
        h("img", { src: `data:image/png;base64,${c.png}`, alt: c.alt || c.title }), h("figcaption", {}, c.title)))));
  };
})();
