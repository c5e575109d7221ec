// What the browser checks share: headless Chromium (Debian's, through playwright-core) with a
// throw-away profile, the page's script errors collected, a report line, and the exit code.
// Environment: POSECAST_CHROMIUM (default /usr/bin/chromium), POSECAST_BROWSER_TIMEOUT_MS (30000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const timeout = Number(process.env.POSECAST_BROWSER_TIMEOUT_MS || 30000);

// Logs a passed check on stderr and records it in `report.checks`.
export function stepper(script, report) {
  return (name, detail = {}) => {
    report.checks.push({ name, ...detail });
    console.error(`${script}: ok: ${name}${Object.keys(detail).length ? ' ' + JSON.stringify(detail) : ''}`);
  };
}

// Runs `check(page, pageErrors)` in a fresh headless Chromium; then prints `report` as one JSON
// line and exits 0 when the check passed without script errors, else 1 (saving a screenshot of
// the failure). `ignoreConsole(text)` says which console errors are not the page's fault;
// `extraArgs` are more Chromium switches.
export async function runInBrowser({ report, screenshot, viewport, ignoreConsole = () => false, extraArgs = [] },
    check) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'posecast-chromium-'));
  const pageErrors = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.POSECAST_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      viewport,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
      timeout,
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(timeout);
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !ignoreConsole(message.text()))
        pageErrors.push(`console error: ${message.text()}`);
    });
    await check(page);
    if (pageErrors.length) throw new Error(pageErrors.join('; '));
    report.ok = true;
  } catch (error) {
    report.ok = false;
    report.error = String(error?.message || error).split('\n')[0];
    report.page_errors = pageErrors;
    if (context) {
      try {
        await context.pages()[0]?.screenshot({ path: screenshot });
      } catch { /* the failure screenshot is a bonus */ }
    }
  } finally {
    if (context) await context.close().catch(() => {});
    // Chromium's last helper processes may still write into the profile for a moment after
    // close(): retry, and never let the clean-up turn a checked page into a failure.
    try {
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (error) {
      console.error(`could not remove ${userDataDir}: ${error.message}`);
    }
  }
  console.log(JSON.stringify(report));
  process.exit(report.ok ? 0 : 1);
}
