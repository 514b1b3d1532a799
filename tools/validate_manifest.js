#!/usr/bin/env node
// Validate a Teams app manifest offline against Microsoft's JSON schema.
//
//   node tools/validate_manifest.js manifest/manifest.json
//   node tools/validate_manifest.js manifest/                  (folder: also checks the icons)
//   node tools/validate_manifest.js build/prevention-first.zip (app package: also checks layout)
//
// The schema comes from the copy bundled in @microsoft/app-manifest (build/json-schemas/teams/
// vX.Y/MicrosoftTeams.schema.json), picked by the manifest's "$schema" URL; a schema the package
// does not bundle is reported as an error rather than fetched from the network. Validation is
// AppManifestUtils.validateAgainstSchema(manifest, schema) from the same package (ajv, draft-04).
// On top of the schema, icons referenced by the manifest are checked to be PNG files of the sizes
// Teams requires when the files are available (folder, zip, or next to a manifest.json).
//
// Output: one JSON object per argument on stdout:
//   {"source": "...", "manifestVersion": "1.30", "valid": false, "errors": ["/id must match ..."]}
// Exit status: 0 when every input is valid, 1 when any is not, 2 on a usage error.
"use strict";

const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

// fs-extra is pinned in package.json: @microsoft/app-manifest 1.1.2 requires it at load
// time without declaring it.
const { AppManifestUtils } = require("@microsoft/app-manifest");

const PACKAGE_DIR = path.dirname(require.resolve("@microsoft/app-manifest/package.json"));
const PACKAGE_VERSION = require("@microsoft/app-manifest/package.json").version;
const TEAMS_SCHEMAS = path.join(PACKAGE_DIR, "build", "json-schemas", "teams");
const ICON_SIZES = { color: 192, outline: 32, color32x32: 32 };
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const USAGE = `usage: node tools/validate_manifest.js <manifest.json | folder | app.zip> [...]

Validates a Teams app manifest against the schema bundled in @microsoft/app-manifest
${PACKAGE_VERSION} (offline), and the icon files when they are available.
Prints one JSON object per input; exits 1 if any input is invalid.

example: node tools/validate_manifest.js manifest/manifest.json build/prevention-first.zip`;

/** Read the entries of a zip file into a Map of name -> Buffer (no zip64, no encryption). */
function readZip(buffer) {
  const EOCD = 0x06054b50;
  let eocd = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 22 - 0xffff); i--) {
    if (buffer.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip file (no end of central directory record)");
  const count = buffer.readUInt16LE(eocd + 10);
  let offset = buffer.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (buffer.readUInt32LE(offset) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = buffer.readUInt16LE(offset + 10);
    const compressedSize = buffer.readUInt32LE(offset + 20);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    const localOffset = buffer.readUInt32LE(offset + 42);
    const name = buffer.toString("utf8", offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) {
      entries.set(name, null);
      continue;
    }
    if (buffer.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`corrupt zip entry ${name}`);
    const dataStart =
      localOffset + 30 + buffer.readUInt16LE(localOffset + 26) + buffer.readUInt16LE(localOffset + 28);
    const data = buffer.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) entries.set(name, data);
    else if (method === 8) entries.set(name, zlib.inflateRawSync(data));
    else throw new Error(`zip entry ${name} uses unsupported compression method ${method}`);
  }
  return entries;
}

/**
 * Load an input. Returns {manifestText, readFile(name) -> Buffer|null|undefined, errors}.
 * readFile returns undefined when sibling files cannot be checked at all.
 */
function loadInput(input) {
  const stat = fs.statSync(input);
  if (stat.isDirectory()) {
    const file = (name) => {
      const full = path.join(input, name);
      return fs.existsSync(full) ? fs.readFileSync(full) : null;
    };
    const manifest = file("manifest.json");
    if (!manifest) return { errors: ["folder has no manifest.json"] };
    return { manifestText: manifest.toString("utf8"), readFile: file, errors: [] };
  }
  const buffer = fs.readFileSync(input);
  if (buffer.length >= 4 && buffer.readUInt32LE(0) === 0x04034b50) {
    const entries = readZip(buffer);
    const errors = [];
    for (const name of entries.keys()) {
      if (name.includes("/")) errors.push(`zip: ${name} is in a folder; Teams needs every file at the zip root`);
    }
    const manifest = entries.get("manifest.json");
    if (!manifest) return { errors: [...errors, "zip: no manifest.json at the zip root"] };
    return {
      manifestText: manifest.toString("utf8"),
      readFile: (name) => (entries.has(name) ? entries.get(name) : null),
      errors,
    };
  }
  const dir = path.dirname(input);
  return {
    manifestText: buffer.toString("utf8"),
    // Icons beside a loose manifest.json are checked when present, but their absence is not an
    // error: the manifest may be a template whose icons are added at packaging time.
    readFile: (name) => {
      const full = path.join(dir, name);
      return fs.existsSync(full) ? fs.readFileSync(full) : undefined;
    },
    errors: [],
  };
}

/** Map a manifest "$schema" URL to the schema file bundled in @microsoft/app-manifest. */
function bundledSchemaPath(schemaUrl) {
  if (typeof schemaUrl !== "string" || !schemaUrl) {
    throw new Error("manifest has no \"$schema\" URL, so the schema version cannot be chosen");
  }
  let url;
  try {
    url = new URL(schemaUrl);
  } catch {
    throw new Error(`"$schema" is not a URL: ${schemaUrl}`);
  }
  const match =
    url.hostname === "developer.microsoft.com" &&
    url.pathname.match(/^\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v[0-9A-Za-z.]+)\/MicrosoftTeams\.schema\.json$/i);
  const bundled = fs.readdirSync(TEAMS_SCHEMAS).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (!match) {
    throw new Error(
      `"$schema" ${schemaUrl} is not a Teams manifest schema URL ` +
        "(https://developer.microsoft.com/json-schemas/teams/vX.Y/MicrosoftTeams.schema.json)"
    );
  }
  const file = path.join(TEAMS_SCHEMAS, match[1], "MicrosoftTeams.schema.json");
  if (!fs.existsSync(file)) {
    throw new Error(
      `schema ${match[1]} is not bundled with @microsoft/app-manifest ${PACKAGE_VERSION} ` +
        `(bundled: ${bundled.join(", ")}); not fetching it from the network`
    );
  }
  return file;
}

function loadSchema(file) {
  // Microsoft's schema files contain "\a" and "\v" escapes that JSON does not allow; the
  // package's own loader rewrites them the same way.
  const raw = fs.readFileSync(file, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
  return JSON.parse(raw);
}

/** Width and height of a PNG, or an error message. */
function pngSize(buffer) {
  if (buffer.length < 24 || !buffer.subarray(0, 8).equals(PNG_SIGNATURE)) return { error: "is not a PNG file" };
  if (buffer.toString("latin1", 12, 16) !== "IHDR") return { error: "is a damaged PNG (no IHDR chunk)" };
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

function checkIcons(manifest, readFile) {
  const errors = [];
  const icons = (manifest && typeof manifest.icons === "object" && manifest.icons) || {};
  for (const [kind, size] of Object.entries(ICON_SIZES)) {
    const name = icons[kind];
    if (typeof name !== "string") continue; // the schema reports a missing required icon
    const data = readFile(name);
    if (data === undefined) continue;
    if (data === null) {
      errors.push(`/icons/${kind} file ${name} is missing`);
      continue;
    }
    const png = pngSize(data);
    if (png.error) errors.push(`/icons/${kind} file ${name} ${png.error}`);
    else if (png.width !== size || png.height !== size) {
      errors.push(`/icons/${kind} file ${name} is ${png.width}x${png.height}; Teams needs ${size}x${size}`);
    }
  }
  return errors;
}

async function validate(input) {
  const result = { source: input, manifestVersion: null, schema: null, valid: false, errors: [] };
  let loaded;
  try {
    loaded = loadInput(input);
  } catch (error) {
    result.errors.push(`cannot read ${input}: ${error.message}`);
    return result;
  }
  result.errors.push(...loaded.errors);
  if (loaded.manifestText === undefined) return result;

  let manifest;
  try {
    manifest = JSON.parse(loaded.manifestText.replace(/^\uFEFF/, ""));
  } catch (error) {
    result.errors.push(`manifest.json is not valid JSON: ${error.message}`);
    return result;
  }
  if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) {
    result.errors.push("manifest.json must hold a JSON object");
    return result;
  }
  result.manifestVersion = manifest.manifestVersion ?? null;

  try {
    const schemaFile = bundledSchemaPath(manifest.$schema);
    result.schema = path.relative(PACKAGE_DIR, schemaFile);
    const failures = await AppManifestUtils.validateAgainstSchema(manifest, loadSchema(schemaFile));
    // ajv reports the root as an empty path; show it as "/" so every error starts with a path.
    result.errors.push(...failures.map((message) => (message.startsWith(" ") ? `/${message}` : message)));
  } catch (error) {
    result.errors.push(error.message);
  }
  result.errors.push(...checkIcons(manifest, loaded.readFile));
  result.valid = result.errors.length === 0;
  return result;
}

async function main(argv) {
  if (argv.length === 0 || argv.includes("-h") || argv.includes("--help")) {
    (argv.length === 0 ? process.stderr : process.stdout).write(USAGE + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  let status = 0;
  for (const input of argv) {
    const result = await validate(input);
    process.stdout.write(JSON.stringify(result) + "\n");
    if (!result.valid) status = 1;
  }
  return status;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    process.stderr.write(`validate_manifest: ${error.stack || error}\n`);
    process.exitCode = 2;
  }
);
