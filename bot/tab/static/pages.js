/* The Hub workspace's pages: the queue, a submission's record with its actions, the
 * knowledge entries and their editor, the gaps and the board report. */
"use strict";

(function () {
  const { h, api, download, say, show, when, day, pages, ApiError, failed } = window.Hub;

  function field(label, control, hint) {
    const id = control.id;
    return h("div", { class: "field" }, h("label", { for: id }, label), control,
      hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
  }

  function select(id, options, value) {
    return h("select", { id, name: id },
      options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  }

  function section(title, ...content) {
    return h("section", { "aria-label": title }, h("h3", {}, title), ...content);
  }

  function list(items, empty) {
    return items.length ? h("ul", {}, items.map((item) => h("li", {}, item))) : h("p", { class: "quiet" }, empty);
  }

  // --- Queue -------------------------------------------------------------------------------

  const SORTS = [["oldest", "Oldest first"], ["newest", "Newest first"], ["reference", "Reference"],
    ["status", "Status"]];
  const filters = { status: "", kind: "", area: "", crime: "", assignee: "", age: "", sort: "oldest" };

  function shown(items) {
    const minAge = parseInt(filters.age, 10);
    const kept = items.filter((item) => (!filters.status || item.status === filters.status)
      && (!filters.kind || item.kind === filters.kind) && (!filters.area || item.area === filters.area)
      && (!filters.crime || item.crime_types.some((c) => c.code === filters.crime))
      && (!filters.assignee || (filters.assignee === "nobody" ? !item.assigned_to
        : item.assigned_to && item.assigned_to.id === filters.assignee))
      && (Number.isNaN(minAge) || item.age_days >= minAge));
    const order = {
      oldest: (a, b) => a.received_at.localeCompare(b.received_at),
      newest: (a, b) => b.received_at.localeCompare(a.received_at),
      reference: (a, b) => a.reference.localeCompare(b.reference),
      status: (a, b) => a.status_label.localeCompare(b.status_label) || a.received_at.localeCompare(b.received_at),
    };
    return kept.sort(order[filters.sort] || order.oldest);
  }

  function queueTable(items) {
    if (!items.length) return h("p", { class: "quiet" }, "No submissions match these filters.");
    return h("table", { class: "queue" },
      h("caption", { class: "visually-hidden" }, "Submissions in the Hub's hands"),
      h("thead", {}, h("tr", {}, ["Reference", "Title", "Kind", "Status", "Area", "Crime types", "Assigned to", "Age"]
        .map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, items.map((item) => h("tr", {},
        h("td", { "data-label": "Reference" }, h("a", { href: `#/submission/${item.reference}` }, item.reference)),
        h("td", { "data-label": "Title" }, item.title),
        h("td", { "data-label": "Kind" }, item.kind),
        h("td", { "data-label": "Status" }, item.status_label + (item.question === "waiting" ? " (question waiting)"
          : item.question === "replied" ? " (reply in)" : "")),
        h("td", { "data-label": "Area" }, item.area),
        h("td", { "data-label": "Crime types" }, item.crime_types.map((c) => c.label).join(", ") || "None"),
        h("td", { "data-label": "Assigned to" }, item.assigned_to ? item.assigned_to.name : "Nobody"),
        h("td", { "data-label": "Age" }, item.age_days === 1 ? "1 day" : `${item.age_days} days`)))));
  }

  pages.queue = async function () {
    const data = await api("queue");
    const kinds = [...new Set(data.items.map((i) => i.kind))].sort();
    const controls = [
      field("Status", select("f-status", [["", "Any status"], ...data.statuses.map((s) => [s.value, s.label])],
        filters.status)),
      field("Kind", select("f-kind", [["", "Any kind"], ...kinds.map((k) => [k, k])], filters.kind)),
      field("Area", select("f-area", [["", "Any area"], ...data.areas.map((a) => [a, a])], filters.area)),
      field("Crime type", select("f-crime", [["", "Any crime type"], ...data.crime_types.map((c) => [c.code, c.label])],
        filters.crime)),
      field("Assigned to", select("f-assignee", [["", "Anyone"], ["nobody", "Nobody"],
        ...data.staff.map((s) => [s.id, s.name])], filters.assignee)),
      field("At least this many days old", h("input", { id: "f-age", type: "number", min: 0, inputmode: "numeric",
        value: filters.age })),
      field("Sort", select("f-sort", SORTS, filters.sort)),
    ];
    const results = h("div", { id: "queue-results" });
    const count = h("p", { class: "quiet", id: "queue-count" });
    function refresh() {
      const items = shown(data.items);
      count.textContent = `${items.length} of ${data.items.length} submissions`;
      results.replaceChildren(queueTable(items));
    }
    const form = h("form", { class: "filters", "aria-label": "Filter and sort", onsubmit: (e) => e.preventDefault() },
      ...controls);
    form.addEventListener("input", (event) => {
      filters[event.target.id.slice(2)] = event.target.value;
      refresh();
    });
    // On a phone the filters fold away under one line, so the queue comes first.
    const folded = h("details", { class: "filter-box", open: window.innerWidth > 640 },
      h("summary", {}, "Filter and sort"), form);
    show(h("h2", {}, "Queue"), folded, count, results);
    refresh();
  };

  // --- A submission --------------------------------------------------------------------------

  function details(record) {
    const rows = [["Kind", record.kind], ["Status", record.status_label], ["Area", record.area],
      ["Crime types", record.crime_types.map((c) => c.label).join(", ") || "Not crime specific"],
      ["Submitted by", record.submitter ? record.submitter.name : ""], ["Received", when(record.received_at)],
      ["Assigned to", record.assigned_to ? record.assigned_to.name : "Nobody"],
      ["What has been tried", record.tried], ["What success looks like", record.success],
      ["Partners", record.partners], ["Merged into", record.merged_into]];
    return h("dl", { class: "facts" }, rows.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  function actionForm(record, op, title, controls, button) {
    const form = h("form", { class: "action", "aria-label": title }, h("h3", {}, title), ...controls,
      h("button", { type: "submit" }, button));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { version: record.version };
      for (const control of form.querySelectorAll("[name]")) body[control.name] = control.value;
      form.querySelector("button").disabled = true;
      try {
        const answer = await api(`submissions/${encodeURIComponent(record.reference)}/${op}`, body);
        renderRecord(answer.record);
        say(answer.message, "good");
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && error.body.record) {
          renderRecord(error.body.record);
          say(error.message, "bad");
        } else {
          form.querySelector("button").disabled = false;
          failed(error);
        }
      }
    });
    return form;
  }

  function actions(record) {
    const statuses = record.next_statuses;
    const target = h("div", { class: "field", hidden: true },
      h("label", { for: "a-target" }, "Merge into (reference)"),
      h("input", { id: "a-target", name: "target", placeholder: "PF-2026-0001" }));
    const status = select("a-status", statuses.map((s) => [s.value, s.label]));
    status.name = "status";
    status.addEventListener("change", () => { target.hidden = status.value !== "merged"; });
    const forms = [];
    if (statuses.length) {
      forms.push(actionForm(record, "status", "Change status", [field("New status", status), target,
        field("Note to the submitter", h("textarea", { id: "a-note", name: "note", rows: 3 }),
          "The submitter and supporters are told the new status with this note.")], "Change status"));
    }
    const assignee = select("a-assignee", [["nobody", "Nobody"], ...record.staff.map((s) => [s.id, s.name])],
      record.assigned_to ? record.assigned_to.id : "nobody");
    assignee.name = "assignee";
    forms.push(actionForm(record, "assign", "Assign", [field("Hub member", assignee)], "Assign"));
    forms.push(actionForm(record, "ask", "Ask the submitter", [field("Question",
      h("textarea", { id: "a-question", name: "question", rows: 3 }),
      "Sent to the submitter in Teams; their reply is kept on the record.")], "Send question"));
    return h("div", { class: "actions" }, forms);
  }

  function renderRecord(record) {
    const history = record.history.map((e) => `${when(e.at)}: ${e.to_label}${e.by ? ` by ${e.by.name}` : ""}`
      + (e.note ? `. ${e.note}` : ""));
    const supporters = record.supporters.map((s) => `${s.person ? s.person.name : ""}: ${s.notes || "(no notes)"}`);
    const questions = record.questions.map((q) => `${day(q.asked_at)}, ${q.asked_by ? q.asked_by.name : ""} asked: `
      + `${q.question}${q.answer ? ` Reply (${day(q.answered_at)}): ${q.answer}` : " (no reply yet)"}`);
    const similar = record.similar.map((s) => h("span", {}, h("a", { href: `#/submission/${s.reference}` }, s.reference),
      `: ${s.title} (${s.status_label}, ${s.score.toFixed(2)})`));
    const evidence = record.evidence.map((e) => `${e.title} (${e.kind})`);
    const followers = record.followers.map((f) => `${f.person ? f.person.name : ""}: follows ${f.topic}`);
    show(
      h("p", {}, h("a", { href: "#/queue" }, "Back to the queue")),
      h("h2", {}, `${record.reference}: ${record.title}`),
      record.personal_data ? h("p", { class: "warn" }, "The submitter kept personal data in this submission.") : null,
      details(record),
      section("Description", h("p", { class: "prose" }, record.description)),
      actions(record),
      section("History", list(history, "No changes yet.")),
      section("Supporters", list(supporters, "No supporters yet.")),
      section("Questions to the submitter", list(questions, "No questions asked.")),
      section("Similar submissions", list(similar, "None found.")),
      section("Matching evidence", list(evidence, "No knowledge entry matches well.")),
      section("Following this topic", list(followers, "Nobody follows its topics.")),
    );
  }

  pages.submission = async function (reference) {
    renderRecord(await api(`submissions/${encodeURIComponent(reference)}`));
  };

  window.HubRecord = { renderRecord, field, select, section, list };
})();
