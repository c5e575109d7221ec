#!/usr/bin/env node
// Drives the posecast viewer page in a real headless Chromium, as a coach would use it:
//   node tests/e2e/browser/viewer.mjs URL SCREENSHOT.png [--expect-label REGEX] [--expect-echo]
//        [--expect-guidance TEXT] [--expect-people]
// URL is any posecast live server (`posecast run --http ...` or the synthetic test server).
// Checks, in order: the MJPEG <img> shows a frame and the picture changes; a label arrives over
// /ws (with --expect-label: a label matching REGEX, e.g. '^Mountain \d+ %$'); choosing a target
// pose POSTs /api/target and the page (and /api/status, when it reports a target) confirms it; a
// message to the student POSTs /api/message; no script errors. With --expect-echo (a real
// pipeline), the target and the message must also come back in the results the page shows. With
// --expect-guidance, the guidance banner must show TEXT (its "guidance" result) at some point.
// With --expect-people (several people in the results), the People card must list at least two,
// each with its colour, and a click on one that is not the primary person must POST /api/person
// and the page confirm it ("coached" in the report: that person's id).
// Saves a screenshot, prints one JSON line, exits 0 when every check passed, 1 when one failed,
// 2 on usage.
// Environment: POSECAST_CHROMIUM (default /usr/bin/chromium), POSECAST_BROWSER_TIMEOUT_MS (30000).
import { runInBrowser, stepper } from './harness.mjs';

const positional = [];
let expectLabel = null;
let expectEcho = false;
let expectGuidance = null;
let expectPeople = false;
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--expect-label' && args.length) expectLabel = new RegExp(args.shift());
  else if (arg === '--expect-echo') expectEcho = true;
  else if (arg === '--expect-guidance' && args.length) expectGuidance = args.shift();
  else if (arg === '--expect-people') expectPeople = true;
  else positional.push(arg);
}
const [url, screenshot] = positional;
if (!url || !screenshot || positional.length > 2) {
  console.error('usage: viewer.mjs URL SCREENSHOT.png [--expect-label REGEX] [--expect-echo] ' +
      '[--expect-guidance TEXT] [--expect-people]');
  process.exit(2);
}
const report = { ok: false, url, screenshot, checks: [] };
const step = stepper('viewer.mjs', report);

// A fingerprint of the picture the <img> shows now (MJPEG fires no event per frame).
const videoFingerprint = () => {
  const img = document.getElementById('video');
  if (!img || img.naturalWidth === 0) return null;
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let hash = 2166136261;
  for (let i = 0; i < pixels.length; i += 4) hash = Math.imul(hash ^ pixels[i] ^ (pixels[i + 1] << 8), 16777619);
  return hash >>> 0;
};

await runInBrowser({ report, screenshot, viewport: { width: 1280, height: 800 } }, async (page) => {
  // The MJPEG response never ends, so the page's load event may not come: wait for the DOM.
  // These checks are about the MJPEG <img>: the page would prefer WebRTC where the server has it
  // (webrtc.mjs checks that).
  const mjpegUrl = new URL(url);
  mjpegUrl.searchParams.set('transport', 'mjpeg');
  await page.goto(mjpegUrl.href, { waitUntil: 'domcontentloaded' });
  step('page loaded', { title: await page.title() });

  await page.waitForFunction(() => document.getElementById('video')?.naturalWidth > 0);
  const size = await page.evaluate(() => {
    const img = document.getElementById('video');
    return { width: img.naturalWidth, height: img.naturalHeight };
  });
  step('video shows a frame', size);
  report.video = size;
  const first = await page.evaluate(videoFingerprint);
  await page.waitForFunction(
      ([fingerprint, before]) => new Function(`return (${fingerprint})()`)() !== before,
      [videoFingerprint.toString(), first], { polling: 100 });
  step('video changes');

  await page.waitForFunction((pattern) => {
    const label = document.getElementById('label');
    if (!label || !['pose', 'none'].includes(label.dataset.state)) return false;
    const text = label.textContent.trim();
    return text !== '' && (pattern === null || new RegExp(pattern).test(text));
  }, expectLabel ? expectLabel.source : null);
  const label = (await page.textContent('#label')).trim();
  step('label from /ws', { label });
  report.label = label;

  await page.waitForFunction(() => document.querySelectorAll('#target option').length > 1);
  const choice = await page.evaluate(() => {
    const select = document.getElementById('target');
    const option = [...select.options].find((o) => o.value && o.value !== select.value);
    return option ? { value: option.value, text: option.textContent } : null;
  });
  if (!choice) throw new Error('no target pose to choose: /api/status lists no poses');
  const [targetResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/target') && r.request().method() === 'POST'),
    page.selectOption('#target', choice.value),
  ]);
  if (targetResponse.status() !== 200) {
    throw new Error(`POST /api/target answered ${targetResponse.status()}: ${await targetResponse.text()}`);
  }
  await page.waitForFunction((text) => document.getElementById('notice').textContent === `Target set: ${text}`,
      choice.text);
  const status = await page.evaluate(async () => (await fetch('/api/status', { cache: 'no-store' })).json());
  if ('target' in status && status.target !== choice.value) {
    throw new Error(`/api/status target is ${JSON.stringify(status.target)}, not ${JSON.stringify(choice.value)}`);
  }
  if (expectEcho) {
    await page.waitForFunction((text) => document.getElementById('target-line').textContent === `Target: ${text}`,
        choice.text);
  }
  step('target set', { target: choice.value, status_target: status.target ?? null,
    shown: (await page.textContent('#target-line')).trim() });
  report.target = choice.value;

  await page.fill('#message', 'Relax your shoulders');
  const [messageResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/message') && r.request().method() === 'POST'),
    page.click('#message-form button[type=submit]'),
  ]);
  if (messageResponse.status() !== 200) {
    throw new Error(`POST /api/message answered ${messageResponse.status()}: ${await messageResponse.text()}`);
  }
  await page.waitForFunction(() => document.getElementById('notice').textContent.startsWith('Sent:'));
  if (expectEcho) {
    await page.waitForFunction(
        () => document.getElementById('message-line').textContent === 'Message: Relax your shoulders');
  }
  step('message sent', { shown: (await page.textContent('#message-line')).trim() });
  report.message_shown = (await page.textContent('#message-line')).trim();

  if (expectGuidance !== null) {
    await page.waitForFunction((text) => {
      const banner = document.getElementById('guidance');
      return banner && !banner.hidden && banner.textContent === text;
    }, expectGuidance);
    const shown = await page.evaluate(() => {
      const banner = document.getElementById('guidance');
      return { text: banner.textContent, code: banner.dataset.code,
        font_px: parseFloat(getComputedStyle(banner).fontSize) };
    });
    step('guidance shown', shown);
    report.guidance = shown;
  }

  if (expectPeople) await checkPeople(page);

  await page.waitForTimeout(300);  // a few more results for the sparkline
  await page.screenshot({ path: screenshot });
  step('screenshot saved');

});

// The People card: two or more rows with their colours; a click on a person who is not the
// primary one coaches them.
async function checkPeople(page) {
  await page.waitForFunction(() => !document.getElementById('people-card').hidden &&
      document.querySelectorAll('#people .person').length >= 2);
  const people = await page.evaluate(() => [...document.querySelectorAll('#people .person')].map((b) => ({
    id: Number(b.dataset.id),
    colour: getComputedStyle(b.querySelector('.person-swatch')).backgroundColor,
    label: b.querySelector('.person-label').textContent,
    reps: b.querySelector('.person-reps').textContent,
    primary: b.dataset.primary === 'true',
  })));
  if (new Set(people.map((p) => p.colour)).size !== people.length) {
    throw new Error(`the people's colours are not distinct: ${JSON.stringify(people)}`);
  }
  step('people listed', { people });
  report.people = people;
  const other = people.find((p) => !p.primary);
  if (!other) throw new Error('every person is marked primary');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/person') && r.request().method() === 'POST'),
    page.click(`#people .person[data-id="${other.id}"]`),
  ]);
  if (response.status() !== 200) {
    throw new Error(`POST /api/person answered ${response.status()}: ${await response.text()}`);
  }
  const sent = JSON.parse(response.request().postData() || '{}');
  if (sent.person !== other.id) throw new Error(`POST /api/person sent ${JSON.stringify(sent)}`);
  await page.waitForFunction((id) => document.getElementById('notice').textContent === `Coaching person ${id}`,
      other.id);
  step('person coached', { person: other.id });
  report.coached = other.id;
}
