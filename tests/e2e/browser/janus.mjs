#!/usr/bin/env node
// Watches a Janus streaming mountpoint in a real headless Chromium through posecast's class
// viewer page (deploy/janus/viewer.html: the Janus REST API with fetch, then WebRTC):
//   node tests/e2e/browser/janus.mjs JANUS_API_URL MOUNTPOINT_ID SCREENSHOT.png [--min-frames 20]
// Checks: the page reaches ICE connected; the <video> decodes more than --min-frames frames
// (getStats framesDecoded); its size. Prints one JSON line (video size, frames decoded, codec,
// time to the first frame), exits 0 when every check passed, 1 when one failed, 2 on usage.
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { runInBrowser, stepper, timeout } from './harness.mjs';

const positional = [];
let minFrames = 20;
let pin = '';
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--min-frames' && args.length) minFrames = Number(args.shift());
  else if (arg === '--pin' && args.length) pin = args.shift();
  else positional.push(arg);
}
const [api, mountpoint, screenshot] = positional;
if (!api || !mountpoint || !screenshot || positional.length > 3) {
  console.error('usage: janus.mjs JANUS_API_URL MOUNTPOINT_ID SCREENSHOT.png [--min-frames N] ' +
                '[--pin PIN]');
  process.exit(2);
}
const page_url = pathToFileURL(join(dirname(new URL(import.meta.url).pathname),
  '../../../deploy/janus/viewer.html'));
page_url.search = new URLSearchParams({ api, id: mountpoint, pin }).toString();
const report = { ok: false, api, mountpoint: Number(mountpoint), checks: [] };
const step = stepper('janus.mjs', report);

const inboundVideo = async () => {
  const pc = window.posecastJanus?.pc;
  if (!pc) return null;
  const stats = await pc.getStats();
  let inbound = null;
  const codecs = {};
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s;
    if (s.type === 'codec') codecs[s.id] = s.mimeType;
  });
  if (!inbound) return null;
  const video = document.getElementById('video');
  return {
    framesDecoded: inbound.framesDecoded || 0,
    bytesReceived: inbound.bytesReceived || 0,
    codec: codecs[inbound.codecId] || '',
    width: video.videoWidth,
    height: video.videoHeight,
  };
};

await runInBrowser({ report, screenshot, viewport: { width: 800, height: 700 } }, async (page) => {
  const t0 = Date.now();
  await page.goto(page_url.href);
  await page.waitForFunction(() => ['playing', 'error', 'failed', 'ended']
    .includes(window.posecastJanus?.state));
  const state = await page.evaluate(() => window.posecastJanus);
  if (state.state !== 'playing') throw new Error(`viewer page: ${state.state} ${state.error}`);
  step('ICE connected', { ms: Date.now() - t0 });

  // getStats is async, and waitForFunction takes a returned promise for "true": poll from here.
  const waitForVideo = async (done) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const video = await page.evaluate(inboundVideo);
      if (video && done(video)) return video;
      if (Date.now() > deadline) throw new Error(`no video: ${JSON.stringify(video)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await waitForVideo((v) => v.framesDecoded > 0 && v.width > 0);
  report.first_frame_ms = Date.now() - t0;
  step('first frame decoded', { ms: report.first_frame_ms });

  await waitForVideo((v) => v.framesDecoded > minFrames);
  const video = await page.evaluate(inboundVideo);
  Object.assign(report, { video });
  step('video plays', video);
});
