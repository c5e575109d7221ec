#!/usr/bin/env node
// The viewer's "Speak cues" switch in a real headless Chromium, with a recording stand-in for
// window.speechSynthesis installed before the page's scripts run:
//   node tests/e2e/browser/speech.mjs URL SCREENSHOT.png [--seconds N] [--expect REGEX]
// URL is a posecast live server whose results carry cues ("say"), e.g. `posecast run`.
// Checks, in order: the switch is there and off, and nothing is spoken while it is off; switched
// on (remembered in localStorage), for N seconds (default 16): something is spoken, the page
// never speaks over itself, it speaks only cues the device sent and in their order, and the
// cues keep the device's rules (no two cues but counts and "Set done" closer than 2.9 s, the same words not
// again within 14.9 s, by the results' capture times); with --expect, a spoken cue matches
// REGEX (e.g. '^[0-9]+$', a rep count); after a reload the switch is still on; switched off, the
// voice is cancelled and nothing more is spoken.
// Prints one JSON line (what was spoken, what the device sent), exits 0 when every check passed,
// 1 when one failed, 2 on usage.
// Environment: POSECAST_CHROMIUM (default /usr/bin/chromium), POSECAST_BROWSER_TIMEOUT_MS (30000).
import { runInBrowser, stepper } from './harness.mjs';

const positional = [];
let seconds = 16;
let expect = null;
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--seconds' && args.length) seconds = Number(args.shift());
  else if (arg === '--expect' && args.length) expect = new RegExp(args.shift());
  else positional.push(arg);
}
const [url, screenshot] = positional;
if (!url || !screenshot || positional.length > 2 || !(seconds > 0)) {
  console.error('usage: speech.mjs URL SCREENSHOT.png [--seconds N] [--expect REGEX]');
  process.exit(2);
}
const report = { ok: false, url, checks: [] };
const step = stepper('speech.mjs', report);

// The stand-in: records each speak() with its time, "speaks" 65 ms a character (at least
// 300 ms, about a real voice's pace), then fires the utterance's end event; cancel() ends it.
const installSpeechStandIn = () => {
  const log = { spoken: [], overlaps: 0, cancels: 0 };
  let current = null;
  let timer = null;
  const end = (utterance) => {
    if (current !== utterance) return;
    current = null;
    utterance.dispatchEvent(new Event('end'));
  };
  const standIn = {
    get speaking() { return current !== null; },
    get pending() { return false; },
    get paused() { return false; },
    speak(utterance) {
      if (current) log.overlaps += 1;
      log.spoken.push({ text: utterance.text, at_ms: Date.now() });
      current = utterance;
      timer = setTimeout(() => end(utterance), Math.max(300, 65 * utterance.text.length));
    },
    cancel() {
      log.cancels += 1;
      clearTimeout(timer);
      if (current) end(current);
    },
    pause() {},
    resume() {},
    getVoices() { return []; },
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', { value: standIn, configurable: true });
  window.posecastSpeechLog = log;
};

// Counts ("7", "7 of 10") and "Set done" come whenever they happen (spoken_cues.h).
const isCount = (text) => /^[0-9]/.test(text) || text === 'Set done';

// The device's rules on the cues it sent, by capture time.
function checkCueRules(cues) {
  let lastCue = null;
  const lastSaid = new Map();
  for (const cue of cues) {
    if (isCount(cue.say)) continue;
    if (lastCue && cue.capture_ms - lastCue.capture_ms < 2900) {
      throw new Error(`cues ${cue.capture_ms - lastCue.capture_ms} ms apart: "${lastCue.say}", "${cue.say}"`);
    }
    const before = lastSaid.get(cue.say);
    if (before !== undefined && cue.capture_ms - before < 14900) {
      throw new Error(`"${cue.say}" again after ${cue.capture_ms - before} ms`);
    }
    lastCue = cue;
    lastSaid.set(cue.say, cue.capture_ms);
  }
}

// True when `spoken` is `sent` with some left out (replaced while waiting), in order.
function inOrderFrom(spoken, sent) {
  let i = 0;
  for (const text of spoken) {
    while (i < sent.length && sent[i] !== text) i += 1;
    if (i === sent.length) return false;
    i += 1;
  }
  return true;
}

const spokenNow = (page) => page.evaluate(() => window.posecastSpeechLog.spoken.map((s) => ({ ...s })));

await runInBrowser({ report, screenshot, viewport: { width: 1280, height: 800 } }, async (page) => {
  await page.addInitScript(installSpeechStandIn);
  const cues = [];  // every result with a cue, as the page's /ws receives it
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== '/ws') return;
    ws.on('framereceived', ({ payload }) => {
      try {
        const r = JSON.parse(String(payload));
        if (typeof r.say === 'string' && r.say) cues.push({ say: r.say, capture_ms: r.capture_ms, at_ms: Date.now() });
      } catch { /* not a result */ }
    });
  });
  const pageUrl = new URL(url);
  pageUrl.searchParams.set('transport', 'mjpeg');
  await page.goto(pageUrl.href, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.posecastSpeech && document.getElementById('speak'));
  if (await page.isChecked('#speak')) throw new Error('"Speak cues" is on before anyone turned it on');
  await page.waitForTimeout(4000);
  const whileOff = await spokenNow(page);
  if (whileOff.length) throw new Error(`spoken while off: ${JSON.stringify(whileOff)}`);
  step('off by default, silent', { cues_while_off: cues.length });

  await page.check('#speak');
  const onAt = Date.now();
  const stored = await page.evaluate(() => localStorage.getItem('posecast.speakCues'));
  if (stored !== 'on') throw new Error(`localStorage posecast.speakCues is ${JSON.stringify(stored)}, not "on"`);
  await page.waitForTimeout(seconds * 1000);
  const spoken = await spokenNow(page);
  const { overlaps } = await page.evaluate(() => window.posecastSpeechLog);
  report.spoken = spoken.map((s) => ({ text: s.text, t_s: Math.round((s.at_ms - onAt) / 100) / 10 }));
  report.cues = cues.map((c) => ({ say: c.say, t_s: Math.round((c.at_ms - onAt) / 100) / 10 }));
  if (!spoken.length) throw new Error(`nothing spoken in ${seconds} s; the device sent ${cues.length} cues`);
  if (overlaps) throw new Error(`the page spoke over itself ${overlaps} times`);
  const sentWhileOn = cues.filter((c) => c.at_ms >= onAt).map((c) => c.say);
  if (!inOrderFrom(spoken.map((s) => s.text), sentWhileOn)) {
    throw new Error(`spoken ${JSON.stringify(spoken.map((s) => s.text))} is not what the device sent, in order: ` +
        JSON.stringify(sentWhileOn));
  }
  checkCueRules(cues);
  step('speaks the cues', { spoken: spoken.length, sent: sentWhileOn.length });
  if (expect && !spoken.some((s) => expect.test(s.text))) {
    throw new Error(`no spoken cue matches ${expect}: ${JSON.stringify(spoken.map((s) => s.text))}`);
  }
  if (expect) step('expected cue spoken', { expect: expect.source });

  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.posecastSpeech && document.getElementById('speak'));
  if (!await page.isChecked('#speak') || !await page.evaluate(() => window.posecastSpeech.enabled)) {
    throw new Error('"Speak cues" was not remembered over a reload');
  }
  step('remembered over a reload');
  await page.waitForTimeout(3000);  // results keep coming: it speaks again
  await page.screenshot({ path: screenshot });

  await page.uncheck('#speak');
  const afterOff = await page.evaluate(() => ({
    spoken: window.posecastSpeechLog.spoken.length, cancels: window.posecastSpeechLog.cancels }));
  if (afterOff.cancels < 1) throw new Error('switching off did not cancel the voice');
  await page.waitForTimeout(3000);
  const later = await page.evaluate(() => window.posecastSpeechLog.spoken.length);
  if (later !== afterOff.spoken) throw new Error(`${later - afterOff.spoken} cues spoken after switching off`);
  step('switched off: cancelled and silent');
});
