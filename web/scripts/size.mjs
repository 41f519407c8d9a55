// The bundle's size as the browser downloads it (gzip -9 of every file in dist/), written to
// dist/size.json for `make bench`; the build fails above the budget.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 200;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), "../dist");
const files = {};
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(js|css|html|svg|json)$/.test(name) && name !== "size.json") {
      files[relative(dist, path)] = gzipSync(readFileSync(path), { level: 9 }).length;
    }
  }
};
walk(dist);
const total = Object.values(files).reduce((a, b) => a + b, 0);
const kb = Math.round((total / 1024) * 10) / 10;
writeFileSync(
  join(dist, "size.json"),
  JSON.stringify({ gzip_bytes: total, kb_gzip: kb, budget_kb: BUDGET_KB, files }, null, 2) + "\n",
);
console.log(`bundle: ${kb} KB gzipped (budget ${BUDGET_KB} KB)`);
if (kb > BUDGET_KB) {
  console.error(`bundle over budget: ${kb} KB > ${BUDGET_KB} KB`);
  process.exit(1);
}
