// Capture -> viewer latency of posecast's compressed video, read from the time code that
// `posecast run --time-code` draws into every frame (include/posecast/time_code.h): the viewer
// decodes the frame, reads the capture time out of the pixels and subtracts it from its clock
// (same machine, same clock). Used by scripts/bench-stream.sh; not a test.
//
//   node stream-latency.mjs --seconds 15 [--webrtc VIEWER_URL] [--janus API_URL --mount ID]
//                           [--hls PLAYLIST_URL]
// Prints one JSON line: {"webrtc": {...}, "janus": {...}, "hls": {...}}, each with the latency
// median/p95/min/max in ms, samples and the frames per second the viewer decoded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const seconds = Number(args.seconds || 15);

function summary(samples, frames, elapsed_s) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null;
  return {
    samples: sorted.length, median_ms: at(0.5), p95_ms: at(0.95), min_ms: sorted[0] ?? null,
    max_ms: sorted.at(-1) ?? null, fps: elapsed_s > 0 ? Math.round((frames / elapsed_s) * 10) / 10 : 0,
  };
}

// In the page: reads the time code of every presented frame of `video` for `ms`, returns
// {ages: [...], frames}. The decoder mirrors src/render/time_code.cpp.
const measureInPage = async ([selector, ms]) => {
  const video = document.querySelector(selector);
  const canvas = document.createElement('canvas');
  canvas.width = 240; canvas.height = 20;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const modulus = 2 ** 40;
  const checksum = (value) => {
    let sum = 0x5a;
    for (let i = 0; i < 5; ++i) sum = (sum * 31 + Math.floor(value / 2 ** (8 * i)) % 256) % 256;
    return sum;
  };
  const read = () => {
    context.drawImage(video, 0, 0, 240, 20, 0, 0, 240, 20);
    const pixels = context.getImageData(0, 0, 240, 20).data;
    let value = 0, check = 0;
    for (let i = 0; i < 48; ++i) {
      const x0 = (i % 24) * 10 + 3, y0 = Math.floor(i / 24) * 10 + 3;
      let level = 0;
      for (let y = y0; y < y0 + 4; ++y)
        for (let x = x0; x < x0 + 4; ++x) {
          const p = (y * 240 + x) * 4;
          level += (pixels[p] + pixels[p + 1] + pixels[p + 2]) / 3;
        }
      const bit = level / 16 >= 128 ? 1 : 0;
      if (i < 40) value = value * 2 + bit; else check = check * 2 + bit;
    }
    return checksum(value) === check ? value : null;
  };
  const ages = [];
  let frames = 0;
  await new Promise((resolve) => {
    const end = performance.now() + ms;
    const onFrame = () => {
      const code = read();
      if (code !== null) {
        let age = (Date.now() % modulus) - code;
        if (age < -modulus / 2) age += modulus;
        ages.push(age);
      }
      ++frames;
      if (performance.now() < end) video.requestVideoFrameCallback(onFrame); else resolve();
    };
    video.requestVideoFrameCallback(onFrame);
  });
  return { ages, frames };
};

async function withBrowser(run) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'posecast-latency-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.POSECAST_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    return await run(context.pages()[0] || await context.newPage());
  } finally {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function measureVideo(page, selector) {
  await page.waitForFunction((s) => document.querySelector(s)?.videoWidth > 0, selector, { timeout: 20000 });
  await page.waitForTimeout(1000);  // past the first frames' start-up
  const { ages, frames } = await page.evaluate(measureInPage, [selector, seconds * 1000]);
  return summary(ages, frames, seconds);
}

// WebRTC straight from posecast: the viewer page, which prefers WebRTC.
async function webrtc(url) {
  return withBrowser(async (page) => {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('transport')?.textContent.includes('WebRTC'),
      null, { timeout: 20000 });
    return measureVideo(page, 'video');
  });
}

// Through the Janus streaming plugin: its REST API from a page of Janus' own origin.
async function janus(api, mount) {
  return withBrowser(async (page) => {
    await page.goto(`${api}/info`);
    await page.evaluate(async ([api, mount]) => {
      const tx = () => Math.random().toString(36).slice(2);
      const post = (url, body) => fetch(url, { method: 'POST', body: JSON.stringify({ transaction: tx(), ...body }) })
        .then((r) => r.json());
      const session = (await post(api, { janus: 'create' })).data.id;
      const handle = (await post(`${api}/${session}`, { janus: 'attach', plugin: 'janus.plugin.streaming' })).data.id;
      setInterval(() => post(`${api}/${session}`, { janus: 'keepalive' }), 20000);
      await post(`${api}/${session}/${handle}`, { janus: 'message', body: { request: 'watch', id: mount } });
      let offer;
      while (!offer) {
        const events = await fetch(`${api}/${session}?maxev=5&rid=${Date.now()}`).then((r) => r.json());
        for (const event of [events].flat()) if (event.jsep) offer = event.jsep;
      }
      const video = document.createElement('video');
      video.muted = true; video.autoplay = true; video.playsInline = true;
      document.body.appendChild(video);
      const pc = new RTCPeerConnection();
      pc.ontrack = (e) => { video.srcObject = e.streams[0] || new MediaStream([e.track]); };
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise((r) => setTimeout(r, 500));  // host candidates into the SDP
      await post(`${api}/${session}/${handle}`, { janus: 'message', body: { request: 'start' }, jsep: pc.localDescription });
      window.janusPc = pc;
    }, [api, Number(mount || 1)]);
    return measureVideo(page, 'video');
  });
}

// HLS from nginx-rtmp: when each new segment appears in the playlist, the age of its last frame
// (the live edge a player could show at best; a player buffers ~3 segments more).
async function hls(playlist) {
  const base = playlist.slice(0, playlist.lastIndexOf('/') + 1);
  const seen = new Set();
  const ages = [];
  let segments = 0, frames = 0, targetDuration = null;
  const dir = mkdtempSync(join(tmpdir(), 'posecast-hls-'));
  const end = Date.now() + Math.max(seconds, 12) * 1000;
  try {
    while (Date.now() < end) {
      const text = await fetch(playlist).then((r) => (r.ok ? r.text() : '')).catch(() => '');
      const now = Date.now();
      targetDuration ??= Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1]) || null;
      const names = text.split('\n').filter((l) => l && !l.startsWith('#'));
      for (const name of names) {
        if (seen.has(name)) continue;
        const first = seen.size === 0;
        seen.add(name);
        if (first && names.length > 1) continue;  // segments made before we watched
        const path = join(dir, 'segment.ts');
        const bytes = Buffer.from(await fetch(base + name).then((r) => r.arrayBuffer()));
        (await import('node:fs')).writeFileSync(path, bytes);
        // Every frame's top-left strip as grey pixels, 240x20 each.
        const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', 'crop=240:20:0:0',
          '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 64 << 20 });
        const count = raw.length / 4800;
        frames += count;
        ++segments;
        const code = readGrey(raw.subarray((count - 1) * 4800, count * 4800));
        if (code !== null) {
          let age = (now % 2 ** 40) - code;
          if (age < -(2 ** 39)) age += 2 ** 40;
          ages.push(age);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ...summary(ages, 0, 0), segments, frames, target_duration_s: targetDuration };
}

function readGrey(pixels) {
  let value = 0, check = 0;
  for (let i = 0; i < 48; ++i) {
    const x0 = (i % 24) * 10 + 3, y0 = Math.floor(i / 24) * 10 + 3;
    let level = 0;
    for (let y = y0; y < y0 + 4; ++y) for (let x = x0; x < x0 + 4; ++x) level += pixels[y * 240 + x];
    const bit = level / 16 >= 128 ? 1 : 0;
    if (i < 40) value = value * 2 + bit; else check = check * 2 + bit;
  }
  let sum = 0x5a;
  for (let i = 0; i < 5; ++i) sum = (sum * 31 + Math.floor(value / 2 ** (8 * i)) % 256) % 256;
  return sum === check ? value : null;
}

const report = {};
const jobs = [];
if (args.webrtc) jobs.push(webrtc(args.webrtc).then((r) => { report.webrtc = r; }, (e) => { report.webrtc = { error: String(e.message || e) }; }));
if (args.janus) jobs.push(janus(args.janus, args.mount).then((r) => { report.janus = r; }, (e) => { report.janus = { error: String(e.message || e) }; }));
if (args.hls) jobs.push(hls(args.hls).then((r) => { report.hls = r; }, (e) => { report.hls = { error: String(e.message || e) }; }));
await Promise.all(jobs);
console.log(JSON.stringify(report));
