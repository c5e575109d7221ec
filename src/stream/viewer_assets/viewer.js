// The posecast viewer: the video by WebRTC from the device (signalled over /rtc) when the server
// offers it, else (or when WebRTC brings no picture within 4 s, or fails) MJPEG in an <img>; one
// JSON result per frame from /ws (with the rep counter's "exercise" during a rep exercise and the
// framing "guidance" when the student should move), the server's status from /api/status, and
// the coach's controls (POST /api/target with a pose or an exercise and its reps, /api/message).
// ?transport=mjpeg forces MJPEG. A result's "say" goes to speech.js, which reads it aloud when
// the student turned "Speak cues" on; its "people" (several people) go to people.js.
// No framework and no CDN: this file is served by posecast itself.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const els = {
    conn: $('conn'), connText: $('conn-text'), fps: $('fps'), viewers: $('viewers'),
    video: $('video'), rtcVideo: $('rtc-video'), transport: $('transport'),
    videoOverlay: $('video-overlay'), frameInfo: $('frame-info'),
    label: $('label'), alternatives: $('alternatives'), targetLine: $('target-line'),
    messageLine: $('message-line'), score: $('score'), hold: $('hold'),
    sparkline: $('sparkline'), corrections: $('corrections'),
    target: $('target'), targetReps: $('target-reps'),
    messageForm: $('message-form'), message: $('message'), notice: $('notice'),
    repsCard: $('reps-card'), repsExercise: $('reps-exercise'), repsSet: $('reps-set'),
    repsCount: $('reps-count'), repsPhase: $('reps-phase'), repsTotals: $('reps-totals'),
    repBars: $('rep-bars'), lastRep: $('last-rep'), guidance: $('guidance'),
  };

  const SCORE_HISTORY = 150;  // about 5 s at 30 fps
  const scores = [];
  const poseNames = new Map();  // id -> display name, from /api/status
  const exerciseNames = new Map();  // id -> display name, from /api/status
  const EXERCISE = 'exercise:';  // the target menu's value prefix of an exercise
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

    showExercise(r.source_lost ? null : r.exercise);
    showGuidance(r);
    if (r.say) window.posecastSpeech.say(r.say);  // speech.js: only with "Speak cues" on
    window.posecastPeople.show(r);
    scores.push(score);
    if (scores.length > SCORE_HISTORY) scores.shift();
    drawSparkline();
  }

  // ----- Guidance into view: {code, text}, and the set-up check ({setup_check: true}) ---------

  function showGuidance(r) {
    const g = !r.source_lost && r.guidance && r.guidance.text ? r.guidance : null;
    let text = g ? g.text : (r.setup_check && !r.source_lost ? 'Whole body in view ✓' : '');
    if (text && r.setup_check) text = `Set-up check: ${text}`;
    els.guidance.hidden = !text;
    els.guidance.dataset.state = g ? 'fix' : 'ok';
    els.guidance.dataset.code = g && g.code ? g.code : '';
    // Only on a change: a live region re-reads what is set, even the same words.
    if (els.guidance.textContent !== text) els.guidance.textContent = text;
  }

  // ----- Reps: the count, a bar per rep of the set, the last rep -----------------------------

  const MAX_BARS = 40;
  const repsSeen = new Map();  // exercise id -> "total/partial" at its last result
  let barsOfSet = null;        // "squat/2": the set the bars belong to

  const restClock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  const repQuality = (score) => (score >= 80 ? 'good' : score >= 50 ? 'fair' : 'poor');

  function addRepBar(rep) {
    const bar = document.createElement('div');
    bar.className = 'rep-bar';
    const range = Math.max(0, Math.min(1, Number(rep.range) || 0));
    bar.style.height = `${Math.max(6, Math.round(range * 100))}%`;
    bar.dataset.quality = repQuality(Number(rep.score) || 0);
    bar.dataset.partial = rep.partial === true ? 'true' : 'false';
    bar.title = `${rep.partial ? 'Partial rep' : 'Rep'}: depth ${Math.round(range * 100)} %, ` +
        `score ${Math.round(rep.score)}${rep.cue ? ` – ${rep.cue}` : ''}`;
    els.repBars.append(bar);
    while (els.repBars.children.length > MAX_BARS) els.repBars.firstElementChild.remove();
  }

  function showExercise(e) {
    els.repsCard.hidden = !e || typeof e !== 'object';
    if (els.repsCard.hidden) return;
    els.repsExercise.textContent = e.name || exerciseName(e.id);
    els.repsSet.textContent = `· set ${e.set}`;
    els.repsCount.textContent = e.target_reps > 0 ? `${e.reps}/${e.target_reps}` : String(e.reps);
    els.repsCount.dataset.done = String(e.target_reps > 0 && e.reps >= e.target_reps);
    els.repsPhase.dataset.phase = e.phase || '';
    els.repsPhase.textContent = e.phase === 'rest' ? `Rest ${restClock(e.rest_s || 0)}` : (e.phase || '');
    els.repsTotals.textContent = `${e.total_reps} in all` +
        (e.partial_reps > 0 ? ` · ${e.partial_reps} partial` : '');

    const set = `${e.id}/${e.set}`;
    const seen = `${e.total_reps}/${e.partial_reps}`;
    const before = repsSeen.get(e.id);
    if (barsOfSet !== set) {
      barsOfSet = set;
      els.repBars.replaceChildren();
    }
    // A new rep (or, on a first sight mid-set, the last one): its bar.
    const newRep = before === undefined ? e.reps > 0 : before !== seen;
    if (newRep && e.last_rep) addRepBar(e.last_rep);
    repsSeen.set(e.id, seen);

    const r = e.last_rep;
    els.lastRep.textContent = r
        ? `${r.partial ? 'Partial rep' : 'Last rep'}: score ${Math.round(r.score)} · down ` +
          `${Number(r.tempo_down_s).toFixed(1)} s · up ${Number(r.tempo_up_s).toFixed(1)} s · ` +
          (r.cue || 'good form')
        : 'Counting from the first rep…';
  }

  const wsUrl = (path) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;

  function connectResults(delayMs = 500) {
    const ws = new WebSocket(wsUrl('/ws'));
    ws.onopen = () => {
      // Back after losing the server (a restart, a network change): WebRTC may work again.
      if (els.conn.dataset.state === 'lost') retryWebRtc();
      delayMs = 500;
      setConnection('live', 'live');
    };
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
      if (transport !== 'mjpeg') return;  // the stream was stopped for WebRTC
      els.videoOverlay.hidden = false;
      els.videoOverlay.textContent = 'Video lost, reconnecting…';
      setTimeout(() => { if (transport === 'mjpeg') els.video.src = `/stream.mjpg?t=${Date.now()}`; }, 1000);
    });
    setInterval(() => {
      if (transport === 'mjpeg' ? els.video.naturalWidth > 0 : els.rtcVideo.videoWidth > 0) {
        els.videoOverlay.hidden = true;
      }
      if (lastResultAt && performance.now() - lastResultAt > 3000 && els.conn.dataset.state === 'live') {
        setConnection('connecting', 'no results');
      }
    }, 250);
  }

  // ----- Video transport: WebRTC from the device when it offers it, else MJPEG ---------------
  // Signalling over /rtc (the same access cookie as /ws): the page says start, the device sends
  // its STUN/TURN list (config) and an offer, the page answers, both trickle ICE candidates.

  const RTC_FIRST_FRAME_MS = 4000;
  const forcedTransport = new URLSearchParams(location.search).get('transport');
  let transport = null;     // 'webrtc' or 'mjpeg': what the page shows now
  let webRtcOffered = false;  // /api/status said the device signals WebRTC
  let rtc = null;           // the WebRTC attempt or session: {ws, pc, playing, timer}
  // For the browser tests and the curious: when the first WebRTC frame showed (ms since the
  // page started loading) and why the page uses MJPEG.
  window.posecastVideo = { transport: null, firstRtcFrameMs: null, mjpegReason: null };

  function showTransport(name, why) {
    transport = name;
    window.posecastVideo.transport = name;
    els.transport.dataset.transport = name;
    els.transport.textContent = name === 'webrtc' ? 'WebRTC' : 'MJPEG';
    els.transport.title = why || (name === 'webrtc' ? 'Video by WebRTC from the device' : 'Video as MJPEG');
    els.rtcVideo.hidden = name !== 'webrtc';
    els.video.hidden = name !== 'mjpeg';
  }

  function startMjpeg(why) {
    stopWebRtc();
    window.posecastVideo.mjpegReason = why;
    if (transport === 'mjpeg') return;
    showTransport('mjpeg', `Video as MJPEG: ${why}`);
    els.video.src = `/stream.mjpg?t=${Date.now()}`;
  }

  function stopWebRtc() {
    const r = rtc;
    if (!r) return;
    rtc = null;
    clearTimeout(r.timer);
    r.ws.onopen = r.ws.onmessage = r.ws.onerror = r.ws.onclose = null;
    try { r.ws.close(); } catch (e) { /* already closed */ }
    if (r.pc) r.pc.close();
    els.rtcVideo.srcObject = null;
  }

  function startWebRtc() {
    const r = { ws: new WebSocket(wsUrl('/rtc')), pc: null, playing: false, timer: null };
    rtc = r;
    // Shown (under the overlay) while trying, unless MJPEG is on screen: a hidden autoplay video
    // may be left paused by the browser.
    if (transport !== 'mjpeg') els.rtcVideo.hidden = false;
    const fail = (why) => {
      if (rtc !== r) return;
      console.warn(`posecast: WebRTC: ${why}; using MJPEG`);
      startMjpeg(`WebRTC: ${why}`);
    };
    const send = (message) => {
      if (r.ws.readyState === WebSocket.OPEN) r.ws.send(JSON.stringify(message));
    };
    r.timer = setTimeout(() => { if (!r.playing) fail('no video within 4 s'); }, RTC_FIRST_FRAME_MS);

    const handle = async (m) => {
      if (m.type === 'config') {
        r.pc = new RTCPeerConnection({ iceServers: Array.isArray(m.iceServers) ? m.iceServers : [] });
        r.pc.onicecandidate = (event) => {
          const c = event.candidate;
          if (c && c.candidate) send({ type: 'ice', candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0 });
        };
        r.pc.ontrack = (event) => {
          els.rtcVideo.srcObject = event.streams[0] || new MediaStream([event.track]);
          els.rtcVideo.play().catch(() => { /* autoplay (muted) starts it anyway */ });
        };
        r.pc.onconnectionstatechange = () => {
          if (['failed', 'disconnected', 'closed'].includes(r.pc.connectionState)) {
            fail(`connection ${r.pc.connectionState}`);
          }
        };
      } else if (m.type === 'offer') {
        if (!r.pc) throw new Error('an offer before the config');
        await r.pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        const answer = await r.pc.createAnswer();
        await r.pc.setLocalDescription(answer);
        send({ type: 'answer', sdp: answer.sdp });
      } else if (m.type === 'ice') {
        if (r.pc && m.candidate) await r.pc.addIceCandidate({ candidate: m.candidate, sdpMLineIndex: m.sdpMLineIndex ?? 0 });
      } else if (m.type === 'error') {
        if (!r.playing) throw new Error(m.message);
        console.warn(`posecast: WebRTC: ${m.message}`);
      }
    };
    // One message at a time: a candidate must not overtake the offer it belongs to.
    let queue = Promise.resolve();
    r.ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      queue = queue.then(() => (rtc === r ? handle(message) : null)).catch((e) => fail(e.message || String(e)));
    };
    r.ws.onopen = () => send({ type: 'start' });
    r.ws.onclose = () => fail('signalling closed');
  }

  // The first decoded frame decides: WebRTC works here, stop the MJPEG stream if it ran.
  const onRtcFrame = () => {
    const r = rtc;
    if (!r || r.playing || els.rtcVideo.videoWidth === 0) return;
    r.playing = true;
    clearTimeout(r.timer);
    if (window.posecastVideo.firstRtcFrameMs === null) window.posecastVideo.firstRtcFrameMs = Math.round(performance.now());
    showTransport('webrtc');
    els.video.removeAttribute('src');
  };
  els.rtcVideo.addEventListener('loadeddata', onRtcFrame);
  els.rtcVideo.addEventListener('resize', onRtcFrame);

  function retryWebRtc() {
    if (webRtcOffered && transport === 'mjpeg' && !rtc && forcedTransport !== 'mjpeg') startWebRtc();
  }

  async function chooseTransport() {
    if (forcedTransport === 'mjpeg') return startMjpeg('?transport=mjpeg');
    if (typeof RTCPeerConnection !== 'function') return startMjpeg('this browser has no WebRTC');
    try {
      const status = await (await fetch('/api/status', { cache: 'no-store' })).json();
      webRtcOffered = status.webrtc_signaling === true;
    } catch (e) {
      webRtcOffered = false;
    }
    if (!webRtcOffered) return startMjpeg('the device offers no WebRTC');
    startWebRtc();
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

  // The target menu: "Any", the poses, then the exercises (value "exercise:ID"); the reps field
  // goes with an exercise (with a pose it waits for one).
  function updateTargets(status) {
    const named = (list) => (Array.isArray(list) ? list : [])
        .map((p) => (typeof p === 'string' ? { id: p, name: null } : p)).filter((p) => p && p.id);
    const poses = named(status.poses), exercises = named(status.exercises);
    for (const p of poses) if (p.name) poseNames.set(p.id, p.name);
    for (const e of exercises) if (e.name) exerciseNames.set(e.id, e.name);
    const ids = [...poses.map((p) => p.id), ...exercises.map((e) => EXERCISE + e.id)].join('\n');
    if (els.target.dataset.poses !== ids) {
      els.target.dataset.poses = ids;
      const group = (label, options) => {
        const g = document.createElement('optgroup');
        g.label = label;
        g.append(...options);
        return g;
      };
      const poseOptions = poses.map((p) => new Option(poseName(p.id), p.id));
      const exerciseOptions = exercises.map((e) => new Option(exerciseName(e.id), EXERCISE + e.id));
      els.target.replaceChildren(new Option('Any pose (automatic)', ''),
          ...(exerciseOptions.length ? [group('Poses', poseOptions), group('Exercises', exerciseOptions)]
                                     : poseOptions));
    }
    const editing = [els.target, els.targetReps].includes(document.activeElement);
    if (!editing && ('target' in status || 'target_exercise' in status)) {
      els.target.value = status.target_exercise ? EXERCISE + status.target_exercise : (status.target || '');
      if (status.target_exercise) els.targetReps.value = status.target_reps > 0 ? status.target_reps : '';
    }
  }

  const exerciseName = (id) => exerciseNames.get(id) || poseName(id);

  async function refreshStatus() {
    try {
      const response = await fetch('/api/status', { cache: 'no-store' });
      const status = await response.json();
      updateTargets(status);
      window.posecastPeople.showStatus(status);
      if (typeof status.viewers === 'number') {
        els.viewers.textContent = `${status.viewers} viewer${status.viewers === 1 ? '' : 's'}`;
      }
    } catch (e) {
      els.viewers.textContent = 'server unreachable';
    }
  }

  // Sends the menu's choice: a pose ({pose}), an exercise with its reps ({exercise, reps}), or
  // any pose ({pose: null}).
  async function sendTarget() {
    const value = els.target.value;
    const exercise = value.startsWith(EXERCISE) ? value.slice(EXERCISE.length) : null;
    const reps = Math.max(0, Math.round(Number(els.targetReps.value) || 0));
    els.target.disabled = true;
    try {
      if (exercise) {
        await postJson('/api/target', { exercise, reps });
        notify('ok', `Target set: ${exerciseName(exercise)}${reps > 0 ? `, ${reps} reps a set` : ''}`);
      } else {
        await postJson('/api/target', { pose: value || null });
        notify('ok', value ? `Target set: ${poseName(value)}` : 'Target cleared: any pose');
      }
    } catch (e) {
      notify('error', `Could not set the target: ${e.message}`);
    } finally {
      els.target.disabled = false;
      refreshStatus();
    }
  }

  els.target.addEventListener('change', sendTarget);
  els.targetReps.addEventListener('change', () => {
    if (els.target.value.startsWith(EXERCISE)) sendTarget();
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

  window.posecastPeople.start({ postJson, notify, refreshStatus });
  window.addEventListener('resize', drawSparkline);
  watchVideo();
  chooseTransport();
  connectResults();
  refreshStatus();
  setInterval(refreshStatus, 2000);
  drawSparkline();
})();
