// The class dashboard: one tile per device, fed by whole-class snapshots over /ws (the server
// reads MQTT), thumbnails pulled from each device's own /snapshot.jpg, commands via /api/command.
// During a rep exercise a tile reads "Squat 7/10", the set, the rest clock and the last rep's cue.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const grid = $('grid');
  const template = $('tile-template');
  const tiles = new Map();  // device id -> {el, parts, received (ms, this page's clock), device}
  let poseNames = new Map();  // pose id -> display name
  let brokerConnected = false;
  let socketLive = false;

  const THUMB_INTERVAL_MS = 1000;  // a class of 30 at 1 Hz is ~1.5 MB/s, not 30 video streams
  const ERROR_SHOWN_S = 15;

  // ----- Commands -------------------------------------------------------------------------------
  async function sendCommand(device, command, feedback) {
    feedback.dataset.kind = '';
    feedback.textContent = 'sending…';
    try {
      const response = await fetch('api/command', {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({device, command}),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
      const n = (body.sent_to || []).length;
      feedback.textContent = device === '*' ? `sent to ${n} device${n === 1 ? '' : 's'}` : 'sent';
    } catch (e) {
      feedback.dataset.kind = 'bad';
      feedback.textContent = `not sent: ${e.message}`;
    }
  }

  function fillPoseMenu(select) {
    const keep = select.value;
    select.length = 1;  // keeps "Any pose"
    for (const [id, name] of poseNames) select.add(new Option(name, id));
    select.value = keep;
  }

  // ----- Tiles ----------------------------------------------------------------------------------
  function poseName(id) {
    return poseNames.get(id) || id;
  }

  // "7/10" (reps of the set / wanted), "7" without a target.
  function repCount(e) {
    return e.target_reps > 0 ? `${e.reps}/${e.target_reps}` : String(e.reps);
  }

  // "set 2", "set 2 · rest 0:12" between sets.
  function setLine(e) {
    const rest = Math.floor(e.rest_s || 0);
    return `set ${e.set}` + (e.phase === 'rest' ? ` · rest ${Math.floor(rest / 60)}:${String(rest % 60).padStart(2, '0')}` : '');
  }

  function labelOf(result) {
    if (!result || !result.decision) return '—';
    if (result.source_lost) return 'Camera lost';
    const e = result.exercise;
    if (e && typeof e === 'object') return `${e.name || e.id} ${repCount(e)}`;
    if (result.decision === 'take_your_pose') return 'Take your pose';
    const prob = result.top ? result.top[result.decision] : undefined;
    const name = poseName(result.decision);
    return prob === undefined ? name : `${name} ${Math.round(prob * 100)} %`;
  }

  function makeTile(id) {
    const el = template.content.firstElementChild.cloneNode(true);
    const q = (selector) => el.querySelector(selector);
    const parts = {
      img: q('.thumb-img'), none: q('.thumb-none'), badge: q('.badge'), watch: q('.watch'),
      device: q('.device'), fps: q('.fps'), label: q('.label'), score: q('.score'),
      hold: q('.hold'), reps: q('.reps'), target: q('.target'), correction: q('.correction'),
      message: q('.message-line'), error: q('.error-line'), select: q('.target-select'),
      form: q('.message-form'), input: q('.message-input'), feedback: q('.feedback'),
    };
    el.dataset.device = id;
    parts.device.textContent = id;
    q('.progress-link').href = '/progress?device=' + encodeURIComponent(id);
    fillPoseMenu(parts.select);
    parts.select.addEventListener('change', () =>
      sendCommand(id, {command: 'target', pose: parts.select.value}, parts.feedback));
    parts.form.addEventListener('submit', (event) => {
      event.preventDefault();
      sendCommand(id, {command: 'message', text: parts.input.value}, parts.feedback);
    });
    parts.img.hidden = true;
    parts.img.addEventListener('load', () => { parts.img.hidden = false; parts.none.hidden = true; });
    const tile = {el, parts, device: null, received: 0, thumbBusy: false, thumbAt: 0};
    tiles.set(id, tile);
    return tile;
  }

  function updateTile(tile, d, now) {
    const {el, parts} = tile;
    tile.device = d;
    tile.received = now;
    const r = d.result;
    el.dataset.state = d.state;
    el.dataset.stale = d.stale ? 'yes' : 'no';
    const exercise = r && r.exercise && typeof r.exercise === 'object' ? r.exercise : null;
    el.dataset.matched = (r && r.decision && r.decision !== 'take_your_pose') || exercise ? 'yes' : 'no';
    parts.badge.textContent = d.state === 'offline' ? (d.reason === 'lost' ? 'lost' : 'offline')
                            : d.stale ? 'no results' : d.state;
    // The device's short-lived signed link (it asks for it over MQTT); none while it is offline.
    parts.watch.hidden = !d.viewer_url;
    if (d.viewer_url) parts.watch.href = d.viewer_url;
    parts.fps.textContent = r && r.fps ? `${r.fps.toFixed(0)} fps` : '';
    parts.label.textContent = labelOf(r);
    parts.score.textContent = r && r.score !== null && r.score !== undefined ? `Score ${r.score}` : '';
    parts.hold.textContent = r && r.hold_s ? `${r.hold_s.toFixed(1)} s` : '';
    parts.target.textContent = r && r.target ? `Target: ${poseName(r.target)}` : '';
    parts.reps.textContent = exercise ? setLine(exercise) : '';
    const correction = r && r.corrections && r.corrections[0];
    const repCue = exercise && exercise.last_rep && exercise.last_rep.cue;
    parts.correction.textContent = correction ? (correction.text || correction)
                                 : repCue ? `Last rep: ${repCue}` : '';
    parts.message.textContent = r && r.message ? `Message: ${r.message}` : '';
    const error = d.error && d.error_age_s < ERROR_SHOWN_S ? d.error : null;
    el.dataset.lost = r && r.source_lost ? 'yes' : 'no';
    parts.error.textContent = error ? `${error.kind}: ${error.message}` : '';
    // The menu follows the device unless the instructor is choosing right now.
    if (document.activeElement !== parts.select && r) parts.select.value = r.target || '';
  }

  // A URL on the device's own server, with the credential its viewer link carries.
  function deviceUrl(streamUrl, path) {
    const base = new URL(streamUrl);
    const url = new URL(path, base);
    const token = base.searchParams.get('token');
    if (token) url.searchParams.set('token', token);
    return url;
  }

  // A fresh picture per tile once a second, never two requests at a time for one device.
  function refreshThumbnails() {
    const now = Date.now();
    for (const tile of tiles.values()) {
      const d = tile.device;
      if (!d || !d.viewer_url || d.state === 'offline' || tile.thumbBusy) continue;
      if (now - tile.thumbAt < THUMB_INTERVAL_MS) continue;
      tile.thumbBusy = true;
      tile.thumbAt = now;
      const next = new Image();
      const done = () => { tile.thumbBusy = false; };
      next.onload = () => { tile.parts.img.src = next.src; done(); };
      next.onerror = done;
      const url = deviceUrl(d.viewer_url, 'snapshot.jpg');
      url.searchParams.set('t', now);
      next.src = url.href;
    }
  }

  function render(snapshot) {
    const now = Date.now();
    const seen = new Set();
    for (const d of snapshot.devices || []) {
      seen.add(d.id);
      updateTile(tiles.get(d.id) || makeTile(d.id), d, now);
    }
    for (const [id, tile] of tiles)
      if (!seen.has(id)) { tile.el.remove(); tiles.delete(id); }
    // Online devices first, then by name; only touch the DOM when the order changed.
    const order = [...tiles.values()].sort((a, b) =>
      (a.device.state === 'offline') - (b.device.state === 'offline') ||
      a.device.id.localeCompare(b.device.id));
    order.forEach((tile, i) => { if (grid.children[i] !== tile.el) grid.insertBefore(tile.el, grid.children[i] || null); });
    const online = order.filter((t) => t.device.state !== 'offline').length;
    $('counts').textContent = `${online} / ${order.length} online`;
    $('empty').hidden = order.length > 0;
  }

  // ----- Connections ----------------------------------------------------------------------------
  function showConnection() {
    const conn = $('conn');
    conn.dataset.state = socketLive && brokerConnected ? 'live' : socketLive ? 'connecting' : 'lost';
    $('conn-text').textContent = !socketLive ? 'dashboard connection lost, retrying…'
                               : brokerConnected ? 'live' : 'waiting for the broker…';
  }

  async function pollStatus() {
    try {
      const status = await (await fetch('api/status', {cache: 'no-store'})).json();
      brokerConnected = !!status.connected;
      $('broker-url').textContent = status.broker || 'URL';
      if (poseNames.size === 0 && Array.isArray(status.poses)) {
        poseNames = new Map(status.poses.map((p) => typeof p === 'string' ? [p, p] : [p.id, p.name || p.id]));
        fillPoseMenu($('all-target'));
        for (const tile of tiles.values()) fillPoseMenu(tile.parts.select);
      }
    } catch (e) {
      brokerConnected = false;
    }
    showConnection();
  }

  function connect(delayMs = 500) {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${location.pathname.replace(/[^/]*$/, '')}ws`);
    ws.onopen = () => { socketLive = true; delayMs = 500; showConnection(); };
    ws.onmessage = (event) => {
      try { render(JSON.parse(event.data)); } catch (e) { console.warn('bad snapshot', e); }
    };
    ws.onclose = () => {
      socketLive = false;
      showConnection();
      setTimeout(() => connect(Math.min(delayMs * 2, 8000)), delayMs);
    };
  }

  // ----- Whole-class controls -------------------------------------------------------------------
  $('all-target-send').addEventListener('click', () =>
    sendCommand('*', {command: 'target', pose: $('all-target').value}, $('all-feedback')));
  $('all-message-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sendCommand('*', {command: 'message', text: $('all-message').value}, $('all-feedback'));
  });
  $('all-session-start').addEventListener('click', () =>
    sendCommand('*', {command: 'session', action: 'start'}, $('all-feedback')));
  $('all-session-stop').addEventListener('click', () =>
    sendCommand('*', {command: 'session', action: 'stop'}, $('all-feedback')));

  pollStatus().then(async () => {
    try { render(await (await fetch('api/devices', {cache: 'no-store'})).json()); } catch (e) { /* the socket fills in */ }
    connect();
  });
  setInterval(pollStatus, 3000);
  setInterval(refreshThumbnails, 250);
})();
