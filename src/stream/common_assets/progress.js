// The progress page: GET /api/progress drawn as hand-made SVG charts, one card per pose and per
// exercise, a calendar of practice days and links to the session reports. Data is only ever put
// into the page as text or attributes (never as HTML). Each plotted element carries data-series,
// data-date and data-value, the number it stands for.
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const MAX_DAYS = 30;  // the last 30 days with practice of one pose or exercise
  const WEEKS = 12;     // the calendar's span

  const params = new URLSearchParams(location.search);
  const device = params.get('device') || '';
  const query = device ? '?device=' + encodeURIComponent(device) : '';

  function svg(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function html(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shortDate(iso) {
    const [, m, d] = iso.split('-').map(Number);
    return MONTHS[m - 1] + ' ' + d;
  }

  // A round number at or above `v` for the top of an axis: 1, 2, 5 x 10^n.
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  // One chart over `days` (oldest first): each series is drawn as bars, as a mark across the
  // bar ("longest"), or as a line with points. A day whose value is null has no element.
  function chart(title, days, series, opts) {
    const W = 360, H = 170, left = 34, right = 8, top = 16, bottom = 24;
    const plotW = W - left - right, plotH = H - top - bottom;
    const values = series.flatMap(s => days.map(s.value)).filter(v => v !== null);
    const max = opts.max || niceMax(Math.max(0, ...values));
    const slot = plotW / Math.max(1, days.length);
    const barW = Math.min(26, slot * 0.6);
    const x = i => left + slot * (i + 0.5);
    const y = v => top + plotH - (Math.min(v, max) / max) * plotH;

    const root = svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title,
                             'data-max': max});
    root.append(svg('line', {class: 'axis', x1: left, y1: top + plotH, x2: W - right, y2: top + plotH}));
    root.append(svg('line', {class: 'axis', x1: left, y1: top, x2: left, y2: top + plotH}));
    root.append(svg('text', {x: left - 4, y: top + 4, 'text-anchor': 'end'}, opts.format(max)));
    root.append(svg('text', {x: left - 4, y: top + plotH, 'text-anchor': 'end'}, '0'));
    const labelEvery = Math.ceil(days.length / 8);
    days.forEach((d, i) => {
      if (i % labelEvery === 0 || i === days.length - 1)
        root.append(svg('text', {x: x(i), y: H - 8, 'text-anchor': 'middle'}, shortDate(d.date)));
    });
    for (const s of series) {
      const points = [];
      days.forEach((d, i) => {
        const v = s.value(d);
        if (v === null) return;
        const common = {'data-series': s.key, 'data-date': d.date, 'data-value': v,
                        ...(s.extra ? s.extra(d) : {})};
        if (s.kind === 'bar') {
          const height = top + plotH - y(v);
          root.append(svg('rect', {...common, class: s.cls, x: x(i) - barW / 2, y: y(v),
                                   width: barW, height}));
          if (days.length <= 14)
            root.append(svg('text', {class: 'value', x: x(i), y: y(v) - 3,
                                     'text-anchor': 'middle'}, opts.format(v)));
        } else if (s.kind === 'mark') {
          root.append(svg('line', {...common, class: s.cls, x1: x(i) - barW / 2 - 3, y1: y(v),
                                   x2: x(i) + barW / 2 + 3, y2: y(v)}));
        } else {
          points.push([x(i), y(v)]);
          root.append(svg('circle', {...common, class: 'point ' + s.cls, cx: x(i), cy: y(v), r: 3.5}));
        }
      });
      if (s.kind === 'line' && points.length > 1)
        root.insertBefore(svg('polyline', {class: 'line ' + s.cls,
                                           points: points.map(p => p.join(',')).join(' ')}),
                          root.firstChild);
    }
    const box = html('div', 'chart');
    box.dataset.chart = opts.id;
    box.append(html('div', 'chart-title', title), root);
    if (opts.legend) {
      const legend = html('div', 'legend');
      for (const [colour, name] of opts.legend) {
        const swatch = html('span', 'swatch');
        swatch.style.background = colour;
        legend.append(swatch, document.createTextNode(name));
      }
      box.append(legend);
    }
    return box;
  }

  const seconds = v => (v >= 100 ? Math.round(v) : Math.round(v * 10) / 10) + ' s';
  const plain = v => String(Math.round(v * 10) / 10);
  const percent = v => Math.round(v * 100) + ' %';
  const scoreOrNull = v => (v > 0 ? v : null);
  const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
  // "1h 02m", "12m 30s", "42s", as the report and `posecast history` say it.
  const span = (s) => {
    const t = Math.round(s), two = n => String(n).padStart(2, '0');
    if (t >= 3600) return `${Math.floor(t / 3600)}h ${two(Math.floor(t / 60) % 60)}m`;
    if (t >= 60) return `${Math.floor(t / 60)}m ${two(t % 60)}s`;
    return `${t}s`;
  };

  function correctionsOf(item) {
    const box = html('div', 'corrections-week');
    for (const [name, c] of [['This week', item.correction_this_week],
                             ['Last week', item.correction_last_week]]) {
      box.append(html('span', 'muted', name));
      const text = html('span', '', c ? `${c.text} (${c.count}×)` : 'none');
      text.dataset.week = name === 'This week' ? 'this' : 'last';
      if (c) {
        text.dataset.correction = c.text;
        text.dataset.count = c.count;
      }
      box.append(text);
    }
    return box;
  }

  function card(kind, name, charts, item) {
    const section = html('section', 'card');
    section.dataset[kind] = name;
    section.append(html('h2', '', name));
    const grid = html('div', 'charts');
    grid.append(...charts);
    section.append(grid, html('div', 'card-title', 'Most frequent correction'), correctionsOf(item));
    return section;
  }

  function poseCard(p) {
    const days = p.days.slice(-MAX_DAYS);
    return card('pose', p.pose, [
      chart('Hold time per day', days, [
        {key: 'total_s', kind: 'bar', cls: 'bar-total', value: d => d.total_s},
        {key: 'longest_s', kind: 'mark', cls: 'mark-longest', value: d => d.longest_s},
      ], {id: 'hold', format: seconds,
          legend: [['var(--accent)', 'total'], ['var(--warn)', 'longest hold']]}),
      chart('Mean form score per day', days, [
        {key: 'mean_score', kind: 'line', cls: 'score', value: d => scoreOrNull(d.mean_score)},
      ], {id: 'score', max: 100, format: plain}),
    ], p);
  }

  function exerciseCard(e) {
    const days = e.days.slice(-MAX_DAYS);
    return card('exercise', e.exercise, [
      chart('Reps per day', days, [
        {key: 'reps', kind: 'bar', cls: 'bar-reps', value: d => d.reps,
         extra: d => ({'data-sets': d.sets})},
      ], {id: 'reps', format: plain}),
      chart('Mean form score per day', days, [
        {key: 'mean_score', kind: 'line', cls: 'score', value: d => scoreOrNull(d.mean_score)},
      ], {id: 'score', max: 100, format: plain}),
      chart('Mean range of motion per day', days, [
        {key: 'mean_range', kind: 'line', cls: 'range', value: d => scoreOrNull(d.mean_range)},
      ], {id: 'range', max: 1, format: percent}),
    ], e);
  }

  const dayIndex = iso => Date.UTC(...iso.split('-').map((v, i) => Number(v) - (i === 1 ? 1 : 0))) / 86400000;
  const isoOf = index => new Date(index * 86400000).toISOString().slice(0, 10);

  // WEEKS columns of Monday..Sunday ending with this week; a day's shade is its time active.
  function calendar(data) {
    const byDate = new Map(data.calendar.map(d => [d.date, d]));
    const today = dayIndex(data.today);
    const first = dayIndex(data.this_week) - 7 * (WEEKS - 1);
    const cell = 14, gap = 3, left = 28, top = 14;
    const root = svg('svg', {viewBox: `0 0 ${left + WEEKS * (cell + gap)} ${top + 7 * (cell + gap)}`,
                             width: left + WEEKS * (cell + gap), height: top + 7 * (cell + gap)});
    ['Mon', '', 'Wed', '', 'Fri', '', 'Sun'].forEach((name, row) => {
      if (name) root.append(svg('text', {x: 0, y: top + row * (cell + gap) + 10}, name));
    });
    let recent = 0;
    for (let i = 0; i < WEEKS * 7; ++i) {
      const index = first + i;
      if (index > today) break;
      const date = isoOf(index);
      const day = byDate.get(date);
      const active = day ? day.active_s : 0;
      const level = !day ? 0 : active >= 300 ? 3 : active >= 60 ? 2 : 1;
      if (day && today - index < 28) ++recent;
      const col = Math.floor(i / 7), row = i % 7;
      // A month's name over the week of its first Monday.
      if (row === 0 && Number(date.slice(8)) <= 7)
        root.append(svg('text', {x: left + col * (cell + gap), y: 9}, shortDate(date).split(' ')[0]));
      const rect = svg('rect', {x: left + col * (cell + gap), y: top + row * (cell + gap),
                                width: cell, height: cell, 'data-date': date,
                                'data-level': level, 'data-active-s': active,
                                'data-today': index === today});
      rect.append(svg('title', {}, day ? `${date}: ${span(active)} active, ` +
                                         `${count(day.holds, 'hold')}, ${count(day.reps, 'rep')}`
                                       : `${date}: no practice`));
      root.append(rect);
    }
    document.getElementById('calendar').replaceChildren(root);
    const summary = document.getElementById('calendar-summary');
    summary.textContent = `· ${recent} of the last 28 days`;
    summary.dataset.recentDays = recent;
    document.getElementById('calendar-card').hidden = false;
  }

  function sessions(list) {
    const ul = document.getElementById('sessions');
    ul.replaceChildren();
    for (const s of list) {
      const li = html('li');
      const a = html('a', '', `Session ${s.id}`);
      a.href = `/report/${s.id}`;
      a.dataset.session = s.id;
      const what = [s.date, s.duration_s === null ? 'open' : span(s.duration_s),
                    count(s.holds, 'hold'), count(s.sets, 'set')];
      if (!device && s.device) what.push(s.device);
      li.append(a, document.createTextNode(' · ' + what.join(' · ')));
      ul.append(li);
    }
    document.getElementById('sessions-card').hidden = list.length === 0;
  }

  function render(data) {
    const status = document.getElementById('status');
    const empty = data.poses.length === 0 && data.exercises.length === 0;
    status.textContent = empty ? 'No practice recorded yet: hold a pose or do some reps.' : '';
    status.hidden = !empty;
    calendar(data);
    document.getElementById('poses').replaceChildren(...data.poses.map(poseCard));
    document.getElementById('exercises').replaceChildren(...data.exercises.map(exerciseCard));
    sessions(data.sessions || []);
    document.body.dataset.ready = 'true';
  }

  async function load() {
    if (device) {
      document.getElementById('student').textContent = device;
      document.getElementById('back-link').textContent = 'Back to the class';
      document.title = `posecast · ${device}`;
    }
    document.getElementById('csv-link').href = '/api/history' + (query ? query + '&' : '?') + 'format=csv';
    try {
      const response = await fetch('/api/progress' + query, {cache: 'no-store'});
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      render(body);
    } catch (e) {
      const status = document.getElementById('status');
      status.textContent = 'Cannot load the practice history: ' + e.message;
      document.body.dataset.ready = 'error';
    }
  }

  load();
})();
