#!/usr/bin/env bash
# Vendor YASGUI (the @zazuko/yasgui build from the npm registry) into kg/endpoint/static/yasgui/.
#
# Run by hand at development time, with the machine's npm, to update the pinned version:
#     scripts/vendor-yasgui.sh 4.6.2
# then run the browser tests (./check -k browser), review the diff, and commit the files. The
# query page loads these files from the server: nothing comes from a CDN at run time.
#
# Copied: yasgui.min.js and yasgui.min.css (which bundle Yasqe, Yasr, CodeMirror, DataTables and
# their dependencies), YASGUI's licence (MIT; the npm package ships none, so the text is written
# from the package's "license" field and the upstream repository's LICENSE, which is plain MIT),
# and THIRD-PARTY-LICENSES.txt with the licence of every package the build bundles.
set -euo pipefail
version="${1:?usage: scripts/vendor-yasgui.sh VERSION (for example 4.6.2)}"
here="$(cd "$(dirname "$0")/.." && pwd)"
target="$here/kg/endpoint/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --omit=dev "@zazuko/yasgui@$version" >/dev/null
build="node_modules/@zazuko/yasgui/build"
mkdir -p "$target"
cp "$build/yasgui.min.js" "$build/yasgui.min.css" "$target/"
node -e '
const fs = require("fs"), path = require("path");
const pkg = require("./node_modules/@zazuko/yasgui/package.json");
if (pkg.license !== "MIT") throw new Error("YASGUI licence changed to " + pkg.license + ": review before vendoring");
const mit = `The MIT License (MIT)

Copyright (c) Triply and Zazuko GmbH (YASGUI: https://github.com/rdfjs/Yasgui)

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
`;
fs.writeFileSync(process.argv[1] + "/LICENSE", mit);
const lines = [];
const seen = new Set();
function walk(dir) {
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name.startsWith("@")) { walk(full); continue; }
    const file = path.join(full, "package.json");
    if (!fs.existsSync(file)) continue;
    const p = JSON.parse(fs.readFileSync(file, "utf8"));
    const key = p.name + "@" + p.version;
    if (seen.has(key)) continue;
    seen.add(key);
    const text = fs.readdirSync(full).filter((f) => /^(licen[cs]e|copying)/i.test(f))
      .map((f) => fs.readFileSync(path.join(full, f), "utf8").trim()).join("\n\n");
    lines.push("=".repeat(78), key + " (" + (typeof p.license === "string" ? p.license : JSON.stringify(p.license)) + ")",
               "=".repeat(78), text || "(no licence file in the package; licence: " + p.license + ")", "");
    const nested = path.join(full, "node_modules");
    if (fs.existsSync(nested)) walk(nested);
  }
}
walk("node_modules");
fs.writeFileSync(process.argv[1] + "/THIRD-PARTY-LICENSES.txt",
  "Packages installed with @zazuko/yasgui " + pkg.version + " (bundled into yasgui.min.js/.css)\n\n" + lines.join("\n"));
fs.writeFileSync(process.argv[1] + "/VERSION", pkg.name + "@" + pkg.version + "\n");
' "$target"
echo "vendored @zazuko/yasgui@$version into $target:"
ls -l "$target"
