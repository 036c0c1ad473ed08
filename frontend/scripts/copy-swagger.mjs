// Copies Swagger UI from the swagger-ui-dist package, with our own page and
// start-up script (no inline script, no CDN), next to the dashboard build: the
// service serves them at /docs.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dist = dirname(require.resolve("swagger-ui-dist/package.json"));
const out = join(here, "..", "..", "src", "pas", "service", "static", "docs");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE"]) {
  copyFileSync(join(dist, name), join(out, name));
}
for (const name of ["index.html", "swagger-init.js"]) {
  copyFileSync(join(here, "..", "docs-page", name), join(out, name));
}
console.log(`Swagger UI copied to ${out}`);
