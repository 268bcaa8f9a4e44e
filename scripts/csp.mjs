#!/usr/bin/env node
// Trunk post_build hook (Trunk.toml): gives the release build its content
// security policy.
//
// The policy travels in the page itself, as <meta http-equiv>, because the
// playground is meant for static hosts where we control no response header.
// A host that can set headers may send the same policy as a
// `Content-Security-Policy` header, and add what a <meta> cannot carry, such as
// `frame-ancestors` (who may embed the page) — see README, "Hosting it".
//
// Development builds (`trunk serve`) are left alone: Trunk injects an inline
// live-reload script there, which this policy would block.
//
// Also run by hand as `node scripts/csp.mjs --check dist/index.html` to check a
// built page without changing it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Scripts and styles from the site itself only. 'wasm-unsafe-eval' lets the
 * page compile its WebAssembly and nothing else (no eval). Every dynamic style
 * goes through CSSOM (Leptos `style:prop=` calls `style.setProperty`), which
 * style-src does not govern, so no 'unsafe-inline' is needed. base-uri and
 * form-action do not fall back to default-src, so they are named. img-src adds
 * blob: for the PNG export, which draws the diagram's SVG (a Blob the page
 * made itself) as an image onto a canvas; data: stays shut.
 */
export const POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/** What the policy forbids in the HTML itself; each is a build error. */
export function inlineProblems(html) {
  const problems = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (!/\bsrc\s*=/i.test(m[1])) problems.push(`inline <script${m[1]}> (${m[2].trim().slice(0, 60)}…)`);
  }
  for (const m of html.matchAll(/<[a-z][^>]*?\s(on[a-z]+)\s*=/gi)) problems.push(`inline event handler ${m[1]}=`);
  for (const m of html.matchAll(/<[a-z][^>]*?\sstyle\s*=/gi)) problems.push(`style attribute in ${m[0].slice(0, 40)}…`);
  if (/<style\b/i.test(html)) problems.push("inline <style> element");
  return problems;
}

/** Puts the policy <meta> right after <meta charset>, before any script. */
export function withPolicy(html) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`;
  const charset = html.match(/<meta\s+charset\s*=?[^>]*>/i);
  if (charset) return html.replace(charset[0], charset[0] + meta);
  const head = html.match(/<head[^>]*>/i);
  if (!head) throw new Error("no <head> to put the policy in");
  return html.replace(head[0], head[0] + meta);
}

function fail(file, problems) {
  console.error(`csp: ${file} breaks the content security policy:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "--check") {
    const file = process.argv[3] ?? "dist/index.html";
    const html = readFileSync(file, "utf8");
    const problems = inlineProblems(html);
    if (!html.includes(`content="${POLICY}"`)) problems.push("no Content-Security-Policy <meta> with the policy");
    if (problems.length) fail(file, problems);
    console.log(`csp: ${file} carries the policy and has no inline script or style`);
  } else if (process.env.TRUNK_PROFILE === "release") {
    const file = join(process.env.TRUNK_STAGING_DIR ?? "dist", "index.html");
    const html = readFileSync(file, "utf8");
    const problems = inlineProblems(html);
    if (problems.length) fail(file, problems);
    writeFileSync(file, withPolicy(html));
    console.log(`csp: policy written into ${file}`);
  }
}
