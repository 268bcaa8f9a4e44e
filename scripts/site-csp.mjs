// Makes the built guide run under a strict content security policy
// (script-src 'self', nothing from another host).
//
// mdBook's page template carries a few small inline scripts (the path to the
// book's root, the theme and sidebar set-up). Each one becomes a file at the
// site's root, named by a hash of its content, loaded from the same place in
// the page: a classic external script runs at the same moment and shares the
// same globals, so the page behaves as before. Then every page of the book
// gets the policy as a <meta> tag, so browsers enforce it wherever the site is
// hosted (a host may add the same policy as a header). Pages under
// playground/ are the playground's own and are left alone.
//
// Fails if a page still has inline script after that (an event-handler
// attribute, or a script tag this does not recognise), so a newer mdBook
// template cannot quietly break the policy.
//
// Usage: node scripts/site-csp.mjs target/site
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // mdBook's template has one style attribute (clear: both).
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

const root = process.argv[2];
if (!root) {
  console.error("usage: node scripts/site-csp.mjs <site-dir>");
  process.exit(2);
}

/** Every .html file under `dir`, except the playground's. */
function pages(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return relative(root, path) === "playground" ? [] : pages(path);
    return e.name.endsWith(".html") ? [path] : [];
  });
}

const written = new Set();
const problems = [];
let moved = 0;
const all = pages(root);
for (const page of all) {
  // From the page's folder back to the site's root, for the script files.
  const up = relative(dirname(page), root).split(sep).filter(Boolean).map(() => "../").join("");
  let html = readFileSync(page, "utf8").replace(/<script>([\s\S]*?)<\/script>/g, (_, code) => {
    const name = `inline-${createHash("sha256").update(code).digest("hex").slice(0, 12)}.js`;
    if (!written.has(name)) {
      writeFileSync(join(root, name), code.trim() + "\n");
      written.add(name);
    }
    moved++;
    return `<script src="${up}${name}"></script>`;
  });
  const meta = `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`;
  html = /<meta charset="[^"]*">/i.test(html)
    ? html.replace(/(<meta charset="[^"]*">)/i, `$1\n        ${meta}`)
    : html.replace(/<head>/i, `<head>\n        ${meta}`);
  if (!html.includes(meta)) problems.push(`${page}: no <head> to put the policy in`);
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    if (!/\ssrc="/.test(tag)) problems.push(`${page}: inline script left: ${tag}`);
  }
  for (const handler of html.match(/\son[a-z]+="/gi) ?? []) {
    problems.push(`${page}: inline event handler${handler}…"`);
  }
  writeFileSync(page, html);
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(
  `${all.length} pages: ${moved} inline scripts moved into ${written.size} files; policy: ${POLICY}`,
);
