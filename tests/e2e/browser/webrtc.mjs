#!/usr/bin/env node
// The viewer page's video transport in a real headless Chromium:
//   node tests/e2e/browser/webrtc.mjs URL SCREENSHOT.png --expect webrtc|mjpeg
//        [--width 640 --height 480] [--chromium-arg ARG]...
// --expect webrtc: the transport badge says WebRTC, the <video> plays at WIDTHxHEIGHT, and
// getStats() shows the inbound VP8 video decoding (at least 6 frames over 2 s: playing; the rate
// itself depends on how busy the machine is and is reported, not checked); reports the time from
// page load to the first frame, frames per second and the jitter buffer delay.
// --expect mjpeg: the badge says MJPEG, the <img> shows WIDTHxHEIGHT and no RTCPeerConnection
// was made. Both: results from /ws show in the page. Saves a screenshot, prints one JSON line,
// exits 0 when every check passed, 1 when one failed, 2 on usage.
// Environment: POSECAST_CHROMIUM (default /usr/bin/chromium), POSECAST_BROWSER_TIMEOUT_MS (30000).
import { runInBrowser, stepper } from './harness.mjs';

const positional = [];
const chromiumArgs = [];
let expect = null;
let width = 640;
let height = 480;
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--expect' && args.length) expect = args.shift();
  else if (arg === '--width' && args.length) width = Number(args.shift());
  else if (arg === '--height' && args.length) height = Number(args.shift());
  else if (arg === '--chromium-arg' && args.length) chromiumArgs.push(args.shift());
  else positional.push(arg);
}
const [url, screenshot] = positional;
if (!url || !screenshot || positional.length > 2 || !['webrtc', 'mjpeg'].includes(expect)) {
  console.error('usage: webrtc.mjs URL SCREENSHOT.png --expect webrtc|mjpeg [--width W --height H] ' +
                '[--chromium-arg ARG]...');
  process.exit(2);
}
const report = { ok: false, url, screenshot, expect, checks: [] };
const step = stepper('webrtc.mjs', report);

// The page's RTCPeerConnections, kept where the check can ask them for statistics.
const recordPeerConnections = () => {
  const Original = window.RTCPeerConnection;
  window.__posecastPeerConnections = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__posecastPeerConnections.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
};

// The inbound video's statistics of the newest peer connection, or null.
const inboundVideo = async () => {
  const pcs = window.__posecastPeerConnections || [];
  if (!pcs.length) return null;
  const stats = await pcs[pcs.length - 1].getStats();
  for (const s of stats.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      const codec = s.codecId ? stats.get(s.codecId) : null;
      return {
        framesDecoded: s.framesDecoded ?? 0, framesDropped: s.framesDropped ?? 0,
        framesPerSecond: s.framesPerSecond ?? null, frameWidth: s.frameWidth ?? null,
        frameHeight: s.frameHeight ?? null, packetsLost: s.packetsLost ?? 0,
        jitterBufferDelay: s.jitterBufferDelay ?? 0, jitterBufferEmittedCount: s.jitterBufferEmittedCount ?? 0,
        totalDecodeTime: s.totalDecodeTime ?? 0, mimeType: codec ? codec.mimeType : null,
      };
    }
  }
  return null;
};

await runInBrowser({ report, screenshot, viewport: { width: 1280, height: 800 }, extraArgs: chromiumArgs },
    async (page) => {
  await page.addInitScript(recordPeerConnections);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  step('page loaded', { title: await page.title() });

  await page.waitForFunction(() => document.getElementById('transport')?.dataset.transport);
  const badge = await page.evaluate(() => {
    const el = document.getElementById('transport');
    return { transport: el.dataset.transport, text: el.textContent.trim(), title: el.title };
  });
  report.transport = badge.transport;
  report.badge = badge.text;
  if (badge.transport !== expect) {
    throw new Error(`the page uses ${badge.transport} (${badge.title}), not ${expect}`);
  }
  step('transport badge', badge);

  if (expect === 'webrtc') {
    const video = await page.evaluate(() => {
      const v = document.getElementById('rtc-video');
      return { width: v.videoWidth, height: v.videoHeight, hidden: v.hidden,
        imgHidden: document.getElementById('video').hidden, firstFrameMs: window.posecastVideo?.firstRtcFrameMs };
    });
    report.video = { width: video.width, height: video.height };
    report.first_frame_ms = video.firstFrameMs;
    if (video.width !== width || video.height !== height) {
      throw new Error(`the <video> is ${video.width}x${video.height}, not ${width}x${height}`);
    }
    if (video.hidden || !video.imgHidden) throw new Error('the <video> is not the one shown');
    step('video plays', video);

    const before = await page.evaluate(inboundVideo);
    if (!before) throw new Error('getStats() has no inbound video');
    await page.waitForTimeout(2000);
    const after = await page.evaluate(inboundVideo);
    const decoded = after.framesDecoded - before.framesDecoded;
    const emitted = after.jitterBufferEmittedCount - before.jitterBufferEmittedCount;
    report.stats = {
      codec: after.mimeType,
      frames_decoded_2s: decoded,
      decoded_fps: decoded / 2,
      frames_per_second: after.framesPerSecond,
      jitter_buffer_ms: emitted > 0
        ? Math.round(((after.jitterBufferDelay - before.jitterBufferDelay) / emitted) * 1000 * 10) / 10 : null,
      decode_ms: after.framesDecoded > 0 ? Math.round((after.totalDecodeTime / after.framesDecoded) * 1000 * 10) / 10 : null,
      packets_lost: after.packetsLost,
      frames_dropped: after.framesDropped,
      frame_size: `${after.frameWidth}x${after.frameHeight}`,
    };
    if (decoded < 6) throw new Error(`only ${decoded} frames decoded in 2 s: ${JSON.stringify(report.stats)}`);
    if (after.mimeType && after.mimeType.toLowerCase() !== 'video/vp8') throw new Error(`codec ${after.mimeType}`);
    step('frames decoded', report.stats);
  } else {
    await page.waitForFunction(() => document.getElementById('video')?.naturalWidth > 0);
    const img = await page.evaluate(() => {
      const i = document.getElementById('video');
      return { width: i.naturalWidth, height: i.naturalHeight, hidden: i.hidden,
        peerConnections: (window.__posecastPeerConnections || []).length, reason: window.posecastVideo?.mjpegReason };
    });
    report.video = { width: img.width, height: img.height };
    report.mjpeg_reason = img.reason;
    if (img.width !== width || img.height !== height) {
      throw new Error(`the MJPEG <img> is ${img.width}x${img.height}, not ${width}x${height}`);
    }
    if (img.hidden) throw new Error('the MJPEG <img> is hidden');
    if (img.peerConnections !== 0) throw new Error(`${img.peerConnections} RTCPeerConnection(s) made`);
    step('MJPEG shows', img);
  }

  // The results keep coming over /ws whatever carries the video.
  await page.waitForFunction(() => {
    const label = document.getElementById('label');
    return label && ['pose', 'none'].includes(label.dataset.state) && label.textContent.trim() !== '';
  });
  report.label = (await page.textContent('#label')).trim();
  step('label from /ws', { label: report.label });

  await page.screenshot({ path: screenshot });
  step('screenshot saved');
});
