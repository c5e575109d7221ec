// The posecast viewer: MJPEG video in an <img>, one JSON result per frame from /ws, the server's
// status from /api/status, and the coach's controls (POST /api/target, /api/message).
// No framework and no CDN: this file is served by posecast itself.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const els = {
    conn: $('conn'), connText: $('conn-text'), fps: $('fps'), viewers: $('viewers'),
    video: $('video'), videoOverlay: $('video-overlay'), frameInfo: $('frame-info'),
    label: $('label'), alternatives: $('alternatives'), targetLine: $('target-line'),
    messageLine: $('message-line'), score: $('score'), hold: $('hold'),
    sparkline: $('sparkline'), corrections: $('corrections'),
    target: $('target'), messageForm: $('message-form'), message: $('message'), notice: $('notice'),
  };

  const SCORE_HISTORY = 150;  // about 5 s at 30 fps
  const scores = [];
  const poseNames = new Map();  // id -> display name, from /api/status
  let lastResultAt = 0;

  // ----- Results over the WebSocket ---------------------------------------------------------

  const poseName = (id) => poseNames.get(id) ||
      String(id).replace(/[_-]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());

  function setConnection(state, text) {
    els.conn.dataset.state = state;
    els.connText.textContent = text;
  }

  const percent = (p) => `${Math.round(p * 100)} %`;

  // The decision's probability: "prob" when sent, else its entry in "top" ([{label, prob}]).
  function decisionProb(r) {
    if (typeof r.prob === 'number') return r.prob;
    const entry = Array.isArray(r.top) ? r.top.find((t) => t && t.label === r.decision) : null;
    return entry && typeof entry.prob === 'number' ? entry.prob : null;
  }

  function showResult(r) {
    lastResultAt = performance.now();
    if (els.conn.dataset.state !== 'live') setConnection('live', 'live');
    const noPose = !r.decision || r.decision === 'take_your_pose';
    if (r.source_lost) {
      els.label.textContent = 'Camera lost – reconnecting…';
      els.label.dataset.state = 'lost';
    } else if (noPose) {
      els.label.textContent = 'Take your pose';
      els.label.dataset.state = 'none';
    } else {
      // The pipeline's label already reads "Tree 87 %"; a bare name gets the probability added.
      const prob = decisionProb(r);
      let text = r.label || poseName(r.decision);
      if (prob !== null && !text.includes('%')) text += ` ${percent(prob)}`;
      els.label.textContent = text;
      els.label.dataset.state = 'pose';
    }
    const others = (Array.isArray(r.top) ? r.top : [])
        .filter((t) => t && t.label && t.label !== r.decision && typeof t.prob === 'number' && t.prob >= 0.01)
        .slice(0, 3);
    els.alternatives.textContent = others.length
        ? `Also: ${others.map((t) => `${poseName(t.label)} ${percent(t.prob)}`).join(' · ')}` : '';
    els.targetLine.textContent = r.target ? `Target: ${poseName(r.target)}` : '';
    els.messageLine.hidden = !r.message;
    els.messageLine.textContent = r.message ? `Message: ${r.message}` : '';

    const score = typeof r.score === 'number' ? r.score : null;
    els.score.textContent = score === null ? '–' : String(Math.round(score));
    els.hold.textContent = typeof r.hold_s === 'number' && r.hold_s > 0 ? `${r.hold_s.toFixed(1)} s` : '–';
    if (typeof r.fps === 'number') els.fps.textContent = `${r.fps.toFixed(1)} fps`;
    if (typeof r.frame === 'number') {
      const age = typeof r.capture_ms === 'number' ? ` · ${Math.max(0, Date.now() - r.capture_ms)} ms` : '';
      els.frameInfo.textContent = `frame ${r.frame}${age}`;
    }

    const corrections = Array.isArray(r.corrections) ? r.corrections : [];
    els.corrections.replaceChildren(...(corrections.length ? corrections : [null]).map((c) => {
      const li = document.createElement('li');
      if (c === null) {
        li.className = 'muted';
        li.textContent = noPose ? 'Get into view and take a pose' : 'None: well done';
      } else {
        // The pipeline sends {text, cue, joint, measured_deg, target_deg}; text has the angles.
        li.textContent = typeof c === 'string' ? c : (c.text || c.cue || JSON.stringify(c));
        if (c && typeof c === 'object' && c.joint) li.dataset.joint = c.joint;
      }
      return li;
    }));

    scores.push(score);
    if (scores.length > SCORE_HISTORY) scores.shift();
    drawSparkline();
  }

  function connectResults(delayMs = 500) {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onopen = () => { delayMs = 500; setConnection('live', 'live'); };
    ws.onmessage = (event) => {
      try {
        showResult(JSON.parse(event.data));
      } catch (e) {
        console.warn('posecast: result is not JSON:', e);
      }
    };
    ws.onclose = () => {
      setConnection('lost', 'reconnecting…');
      setTimeout(() => connectResults(Math.min(delayMs * 2, 5000)), delayMs);
    };
  }

  // ----- Sparkline ---------------------------------------------------------------------------

  function drawSparkline() {
    const canvas = els.sparkline;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(canvas.clientWidth * ratio);
    const height = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    const pad = 3 * ratio;
    const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, SCORE_HISTORY - 1);
    const y = (s) => height - pad - (Math.max(0, Math.min(100, s)) / 100) * (height - 2 * pad);

    ctx.strokeStyle = 'rgba(138, 150, 163, 0.25)';  // 50 and 100 guides
    ctx.lineWidth = ratio;
    for (const level of [50, 100]) {
      ctx.beginPath();
      ctx.moveTo(pad, y(level));
      ctx.lineTo(width - pad, y(level));
      ctx.stroke();
    }
    const offset = SCORE_HISTORY - scores.length;  // newest at the right edge
    ctx.strokeStyle = '#4cc38a';
    ctx.lineWidth = 2 * ratio;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let drawing = false;
    scores.forEach((s, i) => {
      if (s === null) { drawing = false; return; }  // a gap where no pose was scored
      if (drawing) ctx.lineTo(x(offset + i), y(s)); else ctx.moveTo(x(offset + i), y(s));
      drawing = true;
    });
    ctx.stroke();
  }

  // ----- Video -------------------------------------------------------------------------------

  function watchVideo() {
    // An MJPEG <img> fires no event per frame; a reload after an error restarts the stream.
    els.video.addEventListener('error', () => {
      els.videoOverlay.hidden = false;
      els.videoOverlay.textContent = 'Video lost, reconnecting…';
      setTimeout(() => { els.video.src = `/stream.mjpg?t=${Date.now()}`; }, 1000);
    });
    setInterval(() => {
      if (els.video.naturalWidth > 0) els.videoOverlay.hidden = true;
      if (lastResultAt && performance.now() - lastResultAt > 3000 && els.conn.dataset.state === 'live') {
        setConnection('connecting', 'no results');
      }
    }, 250);
  }

  // ----- Status and controls -----------------------------------------------------------------

  function notify(kind, text) {
    els.notice.dataset.kind = kind;
    els.notice.textContent = text;
  }

  async function postJson(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (e) { /* an empty or non-JSON answer */ }
    if (!response.ok) throw new Error(answer.error || `${path} answered ${response.status}`);
    return answer;
  }

  function updatePoses(poses, target) {
    if (!Array.isArray(poses)) return;
    const entries = poses.map((p) => typeof p === 'string' ? { id: p, name: null } : p)
        .filter((p) => p && p.id);
    for (const p of entries) if (p.name) poseNames.set(p.id, p.name);
    const ids = entries.map((p) => p.id).join('\n');
    if (els.target.dataset.poses !== ids) {
      els.target.dataset.poses = ids;
      els.target.replaceChildren(new Option('Any pose (automatic)', ''),
          ...entries.map((p) => new Option(poseName(p.id), p.id)));
    }
    if (target !== undefined && document.activeElement !== els.target) els.target.value = target || '';
  }

  async function refreshStatus() {
    try {
      const response = await fetch('/api/status', { cache: 'no-store' });
      const status = await response.json();
      updatePoses(status.poses, status.target);
      if (typeof status.viewers === 'number') {
        els.viewers.textContent = `${status.viewers} viewer${status.viewers === 1 ? '' : 's'}`;
      }
    } catch (e) {
      els.viewers.textContent = 'server unreachable';
    }
  }

  els.target.addEventListener('change', async () => {
    const pose = els.target.value;
    els.target.disabled = true;
    try {
      await postJson('/api/target', { pose: pose || null });
      notify('ok', pose ? `Target set: ${poseName(pose)}` : 'Target cleared: any pose');
    } catch (e) {
      notify('error', `Could not set the target: ${e.message}`);
    } finally {
      els.target.disabled = false;
      refreshStatus();
    }
  });

  els.messageForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = els.message.value.trim();
    if (!text) return;
    try {
      await postJson('/api/message', { text });
      els.message.value = '';
      notify('ok', `Sent: “${text}”`);
    } catch (e) {
      notify('error', `Could not send: ${e.message}`);
    }
  });

  window.addEventListener('resize', drawSparkline);
  watchVideo();
  connectResults();
  refreshStatus();
  setInterval(refreshStatus, 2000);
  drawSparkline();
})();
