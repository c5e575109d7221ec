#!/usr/bin/env node
// Reads the progress page (/progress) in a real headless Chromium, as the student sees it:
//   node tests/e2e/browser/progress.mjs URL SCREENSHOT.png [--report SESSION REPORT.png]
// Waits for the charts, then reads back every plotted value (the data-value of each bar, mark and
// point, with its height on the page), the calendar's practice days, the corrections of this and
// last week, and the session links. With --report, follows the link to that session's report and
// reads its numbers. Saves full-page screenshots, prints one JSON line, exits 0 when every check
// passed, 1 when one failed, 2 on usage.
// Environment: POSECAST_CHROMIUM (default /usr/bin/chromium), POSECAST_BROWSER_TIMEOUT_MS (30000).
import { runInBrowser, stepper } from './harness.mjs';

const positional = [];
let reportSession = null;
let reportShot = null;
for (const args = process.argv.slice(2); args.length;) {
  const arg = args.shift();
  if (arg === '--report' && args.length >= 2) {
    reportSession = args.shift();
    reportShot = args.shift();
  } else {
    positional.push(arg);
  }
}
const [url, screenshot] = positional;
if (!url || !screenshot || positional.length > 2) {
  console.error('usage: progress.mjs URL SCREENSHOT.png [--report SESSION REPORT.png]');
  process.exit(2);
}
const report = { ok: false, url, screenshot, checks: [], poses: {}, exercises: {}, calendar: [] };
const step = stepper('progress.mjs', report);

await runInBrowser({ report, screenshot, viewport: { width: 1280, height: 900 } }, async (page) => {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
  step('charts drawn', { title: await page.title() });

  const read = await page.evaluate(() => {
    // Every plotted element of one card: {series: {date: value}}, each bar's height in pixels,
    // and the corrections of this and last week.
    const readCard = (section) => {
      const card = { series: {}, heights: {}, corrections: {} };
      for (const el of section.querySelectorAll('[data-series]')) {
        const series = el.dataset.series;
        (card.series[series] ||= {})[el.dataset.date] = Number(el.dataset.value);
        if (el.tagName === 'rect')
          (card.heights[series] ||= {})[el.dataset.date] = el.getBoundingClientRect().height;
        if (el.dataset.sets !== undefined) (card.series.sets ||= {})[el.dataset.date] = Number(el.dataset.sets);
      }
      for (const el of section.querySelectorAll('[data-week]'))
        card.corrections[el.dataset.week] = el.dataset.correction
          ? { text: el.dataset.correction, count: Number(el.dataset.count), shown: el.textContent }
          : null;
      return card;
    };
    const out = { poses: {}, exercises: {}, calendar: [], sessions: [] };
    for (const s of document.querySelectorAll('section[data-pose]')) out.poses[s.dataset.pose] = readCard(s);
    for (const s of document.querySelectorAll('section[data-exercise]'))
      out.exercises[s.dataset.exercise] = readCard(s);
    for (const r of document.querySelectorAll('#calendar rect[data-level]'))
      if (r.dataset.level !== '0')
        out.calendar.push({ date: r.dataset.date, level: Number(r.dataset.level),
                            active_s: Number(r.dataset.activeS) });
    out.calendar_cells = document.querySelectorAll('#calendar rect').length;
    out.recent_days = Number(document.getElementById('calendar-summary').dataset.recentDays);
    for (const a of document.querySelectorAll('#sessions a[data-session]'))
      out.sessions.push({ id: Number(a.dataset.session), href: a.getAttribute('href') });
    out.csv_href = document.getElementById('csv-link').getAttribute('href');
    return out;
  });
  Object.assign(report, read);
  if (!Object.keys(read.poses).length) throw new Error('no pose card on the page');
  step('values read', { poses: Object.keys(read.poses), exercises: Object.keys(read.exercises),
                        practice_days: read.calendar.length });
  await page.screenshot({ path: screenshot, fullPage: true });
  step('screenshot saved', { screenshot });

  if (reportSession) {
    await page.click(`#sessions a[data-session="${reportSession}"]`);
    await page.waitForSelector(`body[data-session="${reportSession}"]`);
    report.report = await page.evaluate(() => {
      const fields = {};
      for (const row of document.querySelectorAll('tr[data-pose], tr[data-exercise]')) {
        const name = row.dataset.pose || row.dataset.exercise;
        fields[name] = {};
        for (const cell of row.querySelectorAll('[data-field]'))
          fields[name][cell.dataset.field] = Number(cell.dataset.value);
      }
      const tiles = {};
      for (const t of document.querySelectorAll('.tile[data-field]')) tiles[t.dataset.field] = Number(t.dataset.value);
      const corrections = [...document.querySelectorAll('#corrections li')]
        .map((li) => ({ text: li.firstChild.textContent.trim(), count: Number(li.dataset.count) }));
      return { url: location.pathname, title: document.title, rows: fields, tiles, corrections };
    });
    step('report read', { url: report.report.url });
    await page.screenshot({ path: reportShot, fullPage: true });
  }
});
