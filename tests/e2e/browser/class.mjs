#!/usr/bin/env node
// Drives the class dashboard (`posecast class`) in a real headless Chromium, as an instructor:
//   node tests/e2e/browser/class.mjs URL SCREENSHOT.png --devices a,b,c --command-device b
//        [--offline-device c]
// Checks, in order: a tile per device, each online with a recognised pose label and a thumbnail
// pulled from the device's own viewer; choosing a target on one tile reaches that device (its
// results echo the target back on the tile); a message to the whole class reaches every device
// (each tile shows it). With --offline-device, prints the line "ready-for-offline" and waits for
// that tile to show offline (the caller stops the device). Saves a screenshot, prints one JSON
// line, exits 0 when every check passed, 1 when one failed, 2 on usage.
// Environment: POSECAST_CHROMIUM (default /usr/bin/chromium), POSECAST_BROWSER_TIMEOUT_MS (30000).
import { runInBrowser, stepper } from './harness.mjs';

const positional = [];
let devices = [];
let commandDevice = null;
let offlineDevice = null;
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--devices' && args.length) devices = args.shift().split(',').filter(Boolean);
  else if (arg === '--command-device' && args.length) commandDevice = args.shift();
  else if (arg === '--offline-device' && args.length) offlineDevice = args.shift();
  else positional.push(arg);
}
const [url, screenshot] = positional;
if (!url || !screenshot || positional.length > 2 || !devices.length || !commandDevice) {
  console.error('usage: class.mjs URL SCREENSHOT.png --devices a,b,c --command-device b [--offline-device c]');
  process.exit(2);
}
const report = { ok: false, url, screenshot, checks: [], tiles: {} };
const step = stepper('class.mjs', report);
const tile = (id) => `.tile[data-device="${id}"]`;
const tileText = (page, id, part) => page.textContent(`${tile(id)} ${part}`).then((t) => t.trim());

// A thumbnail request to a device that just went away is the network's business, not a bug.
const ignoreConsole = (text) => text.includes('snapshot.jpg') || text.includes('ERR_CONNECTION_REFUSED');
await runInBrowser({ report, screenshot, viewport: { width: 1280, height: 900 }, ignoreConsole }, async (page) => {
  await page.goto(url, { waitUntil: 'load' });
  step('page loaded', { title: await page.title() });

  // Every device has a tile, online, with a pose label from its results.
  await page.waitForFunction((ids) => ids.every((id) => {
    const el = document.querySelector(`.tile[data-device="${id}"]`);
    const label = el?.querySelector('.label')?.textContent.trim();
    return el && el.dataset.state === 'online' && label && label !== '—';
  }), devices);
  const count = await page.locator('.tile').count();
  if (count !== devices.length) throw new Error(`${count} tiles for ${devices.length} devices`);
  for (const id of devices) report.tiles[id] = { label: await tileText(page, id, '.label') };
  step('a tile per device, online, with a label', { tiles: report.tiles,
    counts: (await page.textContent('#counts')).trim() });

  // Thumbnails from each device's own /snapshot.jpg.
  await page.waitForFunction((ids) => ids.every((id) =>
    document.querySelector(`.tile[data-device="${id}"] .thumb-img`)?.naturalWidth > 0), devices);
  for (const id of devices) {
    report.tiles[id].thumbnail = await page.evaluate((sel) => {
      const img = document.querySelector(sel);
      return { width: img.naturalWidth, height: img.naturalHeight, src: img.src };
    }, `${tile(id)} .thumb-img`);
  }
  step('thumbnails show');

  // One device's target, from its tile's menu.
  const select = `${tile(commandDevice)} .target-select`;
  await page.waitForFunction((sel) => document.querySelector(sel)?.options.length > 1, select);
  const choice = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const option = [...el.options].find((o) => o.value === 'tree') || [...el.options].find((o) => o.value);
    return { value: option.value, text: option.textContent };
  }, select);
  const [targetResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/command') && r.request().method() === 'POST'),
    page.selectOption(select, choice.value),
  ]);
  if (targetResponse.status() !== 200)
    throw new Error(`POST /api/command answered ${targetResponse.status()}: ${await targetResponse.text()}`);
  await page.waitForFunction(([sel, text]) =>
    document.querySelector(sel)?.textContent.trim() === `Target: ${text}`,
    [`${tile(commandDevice)} .target`, choice.text]);
  const others = devices.filter((id) => id !== commandDevice);
  for (const id of others) {
    const other = await tileText(page, id, '.target');
    if (other !== '') throw new Error(`the target reached ${id} too: ${other}`);
  }
  report.target = choice.value;
  step('target reached one device', { device: commandDevice, target: choice.value });

  // A message to the whole class.
  await page.fill('#all-message', 'Relax your shoulders');
  const [messageResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/command') && r.request().method() === 'POST'),
    page.click('#all-message-form button[type=submit]'),
  ]);
  const sent = await messageResponse.json();
  if (messageResponse.status() !== 200) throw new Error(`message: ${JSON.stringify(sent)}`);
  await page.waitForFunction((ids) => ids.every((id) =>
    document.querySelector(`.tile[data-device="${id}"] .message-line`)?.textContent === 'Message: Relax your shoulders'),
  devices);
  report.message_sent_to = sent.sent_to;
  step('message reached every device', { sent_to: sent.sent_to,
    feedback: (await page.textContent('#all-feedback')).trim() });

  await page.screenshot({ path: screenshot });
  step('screenshot saved');

  if (offlineDevice) {
    console.log('ready-for-offline');
    await page.waitForFunction((id) =>
      document.querySelector(`.tile[data-device="${id}"]`)?.dataset.state === 'offline', offlineDevice);
    report.offline_badge = await tileText(page, offlineDevice, '.badge');
    report.counts = (await page.textContent('#counts')).trim();
    step('a stopped device shows offline', { badge: report.offline_badge, counts: report.counts });
  }

});
