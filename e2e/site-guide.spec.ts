// The guide and the playground as one static site, as `scripts/dev.sh site`
// builds it (target/site/, served here at the root): every chapter loads, each
// embedded playground loads on its chapter's preset and fits its content (no
// inner scroll bar), nothing is logged as an error, nothing fails to load, and
// no request goes to another host.
//
// The chapters and their embeds are read from the book's sources, so a new
// chapter is covered as soon as SUMMARY.md lists it.
import { test, expect, type Locator, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { trackConsoleErrors } from "./support";

const ROOT = join(__dirname, "..");
const BOOK_SRC = join(ROOT, "docs", "src");

interface Embed {
  preset: string;
  query: string;
}

interface Chapter {
  /** The chapter's page in the built book. */
  html: string;
  embeds: Embed[];
}

function attr(attrs: string, name: string): string | undefined {
  return attrs.match(new RegExp(`${name}="([^"]*)"`))?.[1];
}

function readChapters(): Chapter[] {
  const summary = readFileSync(join(BOOK_SRC, "SUMMARY.md"), "utf8");
  return [...summary.matchAll(/\]\(([\w/-]+)\.md\)/g)].map(([, name]) => {
    const text = readFileSync(join(BOOK_SRC, `${name}.md`), "utf8");
    const embeds = [...text.matchAll(/<div class="orderflow-embed"([^>]*)>/g)].map(([, attrs]) => ({
      preset: attr(attrs, "data-preset") ?? "",
      query: attr(attrs, "data-query") ?? "",
    }));
    return { html: `${name}.html`, embeds };
  });
}

const CHAPTERS = readChapters();

// One test per chapter, independent of each other: spread them over the workers.
test.describe.configure({ mode: "parallel" });

/** Requests to any host but the site's, and responses that failed. */
function trackRequests(page: Page, siteHost: string) {
  const foreign: string[] = [];
  const failed: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol !== "data:" && url.protocol !== "blob:" && url.host !== siteHost) foreign.push(r.url());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => failed.push(`${r.failure()?.errorText} ${r.url()}`));
  return { foreign, failed };
}

/** The iframe's height and width against its document's (same origin). */
async function sizes(frame: Locator) {
  return frame.evaluate((el: HTMLIFrameElement) => {
    const doc = el.contentDocument?.documentElement;
    return {
      height: el.clientHeight,
      contentHeight: doc?.scrollHeight ?? Infinity,
      width: el.clientWidth,
      contentWidth: doc?.scrollWidth ?? Infinity,
    };
  });
}

test("the book lists at least the ten pattern chapters, each embed on a preset that exists", () => {
  const embeds = CHAPTERS.flatMap((c) => c.embeds);
  expect(CHAPTERS.filter((c) => c.embeds.length > 0).length).toBeGreaterThanOrEqual(10);
  for (const e of embeds) {
    expect(existsSync(join(ROOT, "scenarios", `${e.preset}.json`)), `preset ${e.preset}`).toBe(true);
  }
});

for (const chapter of CHAPTERS) {
  test(`${chapter.html}: loads, its ${chapter.embeds.length} playground(s) load and fit, nothing foreign`, async ({
    page,
    baseURL,
  }, testInfo) => {
    const site = new URL(baseURL!);
    const errors = trackConsoleErrors(page);
    const requests = trackRequests(page, site.host);
    await page.goto(chapter.html);
    await expect(page.locator("main h1").first()).toBeVisible();
    await expect(page).toHaveTitle(/Orderflow Playground/);

    const frames = page.locator("iframe.orderflow-embed__frame");
    await expect(frames).toHaveCount(chapter.embeds.length);
    for (const [i, embed] of chapter.embeds.entries()) {
      const frame = frames.nth(i);
      // The iframes load lazily: bring each one into view.
      await frame.scrollIntoViewIfNeeded();
      const src = new URL((await frame.getAttribute("src"))!, page.url());
      expect(src.host).toBe(site.host);
      expect(src.pathname).toBe("/playground/");
      expect(src.searchParams.get("preset")).toBe(embed.preset);
      expect(src.searchParams.get("embed")).toBe("1");
      for (const [key, value] of new URLSearchParams(embed.query)) expect(src.searchParams.get(key)).toBe(value);

      const inner = frame.contentFrame();
      await expect(inner.getByRole("group", { name: /service diagram/i })).toBeVisible();
      await expect(inner.getByRole("button", { name: "Play", exact: true })).toBeVisible();
      // Sized from the height message, then big enough for its document.
      await expect(frame).toHaveClass(/orderflow-embed__frame--sized/);
      await expect
        .poll(async () => {
          const s = await sizes(frame);
          return s.height - s.contentHeight;
        }, { message: `${embed.preset}: iframe shorter than its document` })
        .toBeGreaterThanOrEqual(0);
      const s = await sizes(frame);
      expect(s.contentWidth, `${embed.preset}: iframe narrower than its document`).toBeLessThanOrEqual(s.width);

      // The link under it opens the same run in the full playground.
      const open = page.locator(".orderflow-embed__open").nth(i);
      const full = new URL((await open.getAttribute("href"))!, page.url());
      expect(full.pathname).toBe("/playground/");
      expect(full.searchParams.get("preset")).toBe(embed.preset);
      expect(full.searchParams.get("embed")).toBeNull();
    }
    if (chapter.html === "payment-breaker.html") {
      // The embed in view, as a reader sees it (look at it).
      await frames.first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: testInfo.outputPath("guide-payment-breaker.png") });
    }
    if (chapter.html === "sync-chain.html") {
      // The embedded playground plays.
      const inner = frames.first().contentFrame();
      await inner.getByRole("button", { name: "Play", exact: true }).click();
      await expect(inner.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
    }

    expect(errors).toEqual([]);
    expect(requests.failed).toEqual([]);
    expect(requests.foreign).toEqual([]);
  });
}

test("the site's root is the introduction, with every chapter in the table of contents", async ({ page, baseURL }) => {
  const errors = trackConsoleErrors(page);
  const requests = trackRequests(page, new URL(baseURL!).host);
  await page.goto("./");
  await expect(page.locator("main h1").first()).toHaveText("Orderflow Playground: a guide");
  const toc = page.locator("#mdbook-sidebar, nav#sidebar, .sidebar").first();
  for (const chapter of CHAPTERS) {
    await expect(toc.locator(`a[href$="${chapter.html}"]`).first()).toBeAttached();
  }
  expect(errors).toEqual([]);
  expect(requests.failed).toEqual([]);
  expect(requests.foreign).toEqual([]);
});

test("a chapter's link opens the full playground on the same run", async ({ page, baseURL }) => {
  const errors = trackConsoleErrors(page);
  const requests = trackRequests(page, new URL(baseURL!).host);
  await page.goto("compensation.html");
  await page.locator(".orderflow-embed__open").first().click();
  await expect(page).toHaveURL(/\/playground\/\?preset=hybrid&/);
  expect(new URL(page.url()).searchParams.get("cmds")).toBe("-:5000000:err:inventory:1~-:10000000:err:inventory:0");
  await expect(page.getByRole("region", { name: "Break things" })).toBeVisible();
  await expect(page.getByRole("group", { name: /service diagram/i })).toBeVisible();
  expect(errors).toEqual([]);
  expect(requests.foreign).toEqual([]);
});

// The playground posts its whole document's height (padding included), so an
// iframe sized from the message alone, as README's snippet does and as a host
// on another origin must, needs no scroll bar.
test("the height the playground posts covers its whole document", async ({ page }) => {
  // Record every height message the guide's page receives.
  await page.addInitScript(() => {
    const posted: number[] = [];
    (window as unknown as { posted: number[] }).posted = posted;
    addEventListener("message", (e) => {
      if (e.data?.type === "orderflow:height") posted.push(e.data.height);
    });
  });
  await page.goto("sync-chain.html");
  const frame = page.locator("iframe.orderflow-embed__frame").first();
  await frame.scrollIntoViewIfNeeded();
  await expect(frame).toHaveClass(/orderflow-embed__frame--sized/);
  const { posted, needed } = await frame.evaluate((el: HTMLIFrameElement) => {
    const all = (window as unknown as { posted: number[] }).posted;
    return {
      posted: all[all.length - 1],
      needed: el.contentDocument!.documentElement.getBoundingClientRect().height,
    };
  });
  expect(posted).toBeGreaterThanOrEqual(Math.floor(needed));
});
