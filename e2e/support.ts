// Helpers shared by the end-to-end specs.
import type { Page } from "@playwright/test";

/** Collects console errors and uncaught page errors; check it is empty at the end. */
export function trackConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  return errors;
}
