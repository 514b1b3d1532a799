#!/usr/bin/env node
// Validate Adaptive Cards the way a Teams client would parse them, offline.
//
//   node tools/validate_card.js card.json [more.json ...]
//   node tools/validate_card.js < cards.json            (or "-" for stdin)
//
// Each input holds one card, a Bot Framework attachment wrapping one
// ({"contentType": "application/vnd.microsoft.card.adaptive", "content": {...}}), or a JSON array
// of either. Cards are numbered across all inputs from 0 in the order read.
//
// Checks, using the adaptivecards package (dist/adaptivecards.min.js, the renderer Teams'
// web client is built on):
//   * "version" is present, well formed and at most 1.5 (the highest Teams renders);
//   * AdaptiveCard.parse(card, new SerializationContext(Versions.v1_5)) raises no parse events:
//     unknown element or action types, invalid property values (e.g. "size": "huge"), values
//     newer than 1.5;
//   * card.validateProperties() raises no validation events: missing card type, duplicate ids,
//     empty choice sets, required inputs without a label or an error message, ...;
//   * element and action types are not newer than the card's declared version (warning).
//
// Output: one JSON line per problem on stdout, for example
//   {"card":0,"source":"card.json","severity":"error","event":"UnknownElementType",
//    "element":"AdaptiveCard","message":"Unknown element type \"Foo\". Fallback will be used if present."}
// and a one-line summary on stderr. Severity is "warning" for hints, deprecations and version
// mismatches below 1.5, "error" otherwise. Exit status: 0 without errors (warnings allowed, unless
// --strict), 1 with errors, 2 on a usage or input error.
"use strict";

const fs = require("fs");

// The library touches no DOM while parsing and validating, so no DOM shim is needed here; it
// only needs one to render.
const AC = require("adaptivecards/dist/adaptivecards.min.js");

const TEAMS_MAX_VERSION = AC.Versions.v1_5;
const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";
const WARNING_EVENTS = new Set([AC.ValidationEvent.Hint, AC.ValidationEvent.Deprecated]);
// Keys whose values are free-form payloads that may contain a "type" unrelated to card elements.
const PAYLOAD_KEYS = new Set(["data", "msteams", "metadata"]);

const USAGE = `usage: node tools/validate_card.js [--strict] [card.json ... | -]

Validates Adaptive Cards with the adaptivecards package for Teams (version 1.5 at most).
Reads the named files, or stdin when none (or "-") is given; each holds a card, an
attachment wrapping a card, or a JSON array of them. Prints one JSON line per problem;
exits 1 if any card has an error (or a warning, with --strict).

example: node tools/validate_card.js dialogs/cards/submission_summary.json`;

/** Describe the card object that raised an event, e.g. "Input.Text#title". */
function describe(source) {
  if (!source || typeof source.getJsonTypeName !== "function") return "AdaptiveCard";
  const id = source.id ? `#${source.id}` : "";
  return `${source.getJsonTypeName()}${id}`;
}

/** Yield [pointer, typeName] for every object with a "type" outside free-form payloads. */
function* typedObjects(value, pointer) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* typedObjects(value[i], `${pointer}/${i}`);
  } else if (value && typeof value === "object") {
    if (typeof value.type === "string") yield [pointer, value.type];
    for (const [key, child] of Object.entries(value)) {
      if (!PAYLOAD_KEYS.has(key)) yield* typedObjects(child, `${pointer}/${key}`);
    }
  }
}

/** Check one card; returns a list of {severity, event, element, message, pointer?}. */
function checkCard(card) {
  const problems = [];
  const add = (severity, event, message, extra = {}) => problems.push({ severity, event, message, ...extra });

  if (!card || typeof card !== "object" || Array.isArray(card)) {
    add("error", "NotAnObject", "a card must be a JSON object");
    return problems;
  }

  let declared;
  if (card.version === undefined) {
    add("error", "MissingVersion", 'the card has no "version"; Teams needs one, at most 1.5');
  } else if (typeof card.version !== "string" || !/^\d+\.\d+$/.test(card.version)) {
    add("error", "InvalidPropertyValue", `"version" must be a string such as "1.5", not ${JSON.stringify(card.version)}`);
  } else {
    declared = AC.Version.parse(card.version, new AC.SerializationContext());
    if (declared.compareTo(TEAMS_MAX_VERSION) > 0) {
      add(
        "error",
        "UnsupportedCardVersion",
        `card version ${card.version} is newer than ${TEAMS_MAX_VERSION.toString()}, the highest Teams renders`
      );
    }
  }

  const context = new AC.SerializationContext(TEAMS_MAX_VERSION);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i));
  events.push(...parsed.validateProperties().validationEvents);
  for (const event of events) {
    add(WARNING_EVENTS.has(event.event) ? "warning" : "error", AC.ValidationEvent[event.event] || "Other", event.message, {
      element: describe(event.source),
    });
  }

  if (declared && declared.isValid) {
    for (const [pointer, typeName] of typedObjects(card, "")) {
      const registration =
        AC.GlobalRegistry.elements.findByName(typeName) || AC.GlobalRegistry.actions.findByName(typeName);
      if (registration && registration.schemaVersion.compareTo(declared) > 0) {
        add(
          "warning",
          "NewerThanCardVersion",
          `${typeName} needs card version ${registration.schemaVersion.toString()} but the card declares ${card.version}`,
          { element: typeName, pointer: pointer || "/" }
        );
      }
    }
  }
  return problems;
}

/** Turn one parsed input into a list of cards (unwrapping attachments). */
function cardsIn(value) {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) =>
    item && typeof item === "object" && item.contentType === ADAPTIVE_CARD_CONTENT_TYPE ? item.content : item
  );
}

function readInput(name) {
  return name === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(name, "utf8");
}

function main(argv) {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const strict = argv.includes("--strict");
  const inputs = argv.filter((arg) => arg !== "--strict");
  const unknown = inputs.filter((arg) => arg.startsWith("--"));
  if (unknown.length) {
    process.stderr.write(`unknown option ${unknown[0]}\n${USAGE}\n`);
    return 2;
  }
  if (inputs.length === 0) inputs.push("-");

  let index = 0;
  let errors = 0;
  let warnings = 0;
  for (const input of inputs) {
    const source = input === "-" ? "<stdin>" : input;
    let value;
    try {
      value = JSON.parse(readInput(input).replace(/^\uFEFF/, ""));
    } catch (error) {
      process.stderr.write(`validate_card: cannot read ${source}: ${error.message}\n`);
      return 2;
    }
    for (const card of cardsIn(value)) {
      for (const problem of checkCard(card)) {
        if (problem.severity === "error") errors++;
        else warnings++;
        process.stdout.write(JSON.stringify({ card: index, source, ...problem }) + "\n");
      }
      index++;
    }
  }
  process.stderr.write(`checked ${index} card(s): ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
