// End-to-end tests against the release build, served as static files on
// 127.0.0.1 the way a static host would: at the root (dist/) and under a
// sub-path (the site's playground, target/site/playground/, built with
// --public-url /playground/ by `scripts/dev.sh site`); and the guide, the
// whole site in target/site/ (e2e/site-*.spec.ts).
import { defineConfig } from "@playwright/test";
import { execSync } from "node:child_process";

// E2E_PORT moves every server (ROOT_PORT and the next two), so two checkouts
// on one machine can run their suites at the same time.
const ROOT_PORT = Number(process.env.E2E_PORT ?? 8901);
const SUBPATH_PORT = ROOT_PORT + 1;
const SITE_PORT = ROOT_PORT + 2;
// The guide's specs run against the site only.
const SITE_SPECS = /site-.*\.spec\.ts/;

// Debian's Chromium: Playwright must never download a browser on this machine.
const executablePath =
  process.env.CHROMIUM_PATH ?? execSync("command -v chromium", { shell: "/bin/bash" }).toString().trim();

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  // No retries: a test that passes only on a second try is a failure here
  // (scripts/e2e-repeat.sh runs the suite repeatedly to catch flakes).
  retries: 0,
  workers: 2,
  reporter: [["list"]],
  use: {
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "root",
      use: { baseURL: `http://127.0.0.1:${ROOT_PORT}/` },
      testIgnore: SITE_SPECS,
    },
    {
      name: "subpath",
      use: { baseURL: `http://127.0.0.1:${SUBPATH_PORT}/playground/` },
      // The page loads and holds its content security policy under a sub-path too.
      testMatch: /(smoke|csp)\.spec\.ts/,
    },
    {
      name: "site",
      use: { baseURL: `http://127.0.0.1:${SITE_PORT}/` },
      testMatch: SITE_SPECS,
    },
  ],
  webServer: [
    {
      command: `python3 -m http.server ${ROOT_PORT} --bind 127.0.0.1 --directory dist`,
      url: `http://127.0.0.1:${ROOT_PORT}/`,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      command: `python3 -m http.server ${SUBPATH_PORT} --bind 127.0.0.1 --directory target/site`,
      url: `http://127.0.0.1:${SUBPATH_PORT}/playground/`,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "ignore",
    },
    {
      command: `python3 -m http.server ${SITE_PORT} --bind 127.0.0.1 --directory target/site`,
      url: `http://127.0.0.1:${SITE_PORT}/`,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "ignore",
    },
  ],
});
