// Spoken cues on the viewer page: with "Speak cues" on (off by default, remembered in this
// browser), each result's "say" is read aloud by the browser's speech synthesis. The device picks
// what to say and when (rep counts always; other cues a few seconds apart and not repeated:
// docs/spoken-cues.md); this page only says it. One cue at a time: a cue arriving while another
// is spoken waits, and a newer one replaces a waiting one, so cues never pile up behind a voice.
// viewer.js calls posecastSpeech.say(result.say).
'use strict';

window.posecastSpeech = (() => {
  const STORAGE_KEY = 'posecast.speakCues';
  const MAX_CUE_MS = 10000;  // a voice that never reports its end frees the page after this
  const toggle = document.getElementById('speak');
  const toggleText = document.getElementById('speak-text');
  const synth = window.speechSynthesis;
  const supported = Boolean(synth) && typeof window.SpeechSynthesisUtterance === 'function';
  let enabled = false;
  let current = null;  // the utterance being spoken (kept: Chrome drops events of collected ones)
  let waiting = null;  // the next cue's text
  let timer = null;

  const remembered = () => {
    try { return localStorage.getItem(STORAGE_KEY) === 'on'; } catch (e) { return false; }
  };
  const remember = (on) => {
    try { localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off'); } catch (e) { /* private mode */ }
  };

  // Chrome may refuse to speak before the user touched the page (a remembered "on" after a
  // reload): say so, until the next click.
  function showBlocked(blocked) {
    toggle.parentElement.dataset.blocked = String(blocked);
    toggleText.textContent = blocked ? 'Speak cues (click the page to allow)' : 'Speak cues';
  }

  function finished(utterance) {
    if (current !== utterance) return;
    clearTimeout(timer);
    current = null;
    if (waiting !== null) {
      const next = waiting;
      waiting = null;
      speakNow(next);
    }
  }

  function speakNow(text) {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || 'en';
    utterance.onend = () => finished(utterance);
    utterance.onerror = (event) => {
      if (event.error === 'not-allowed') showBlocked(true);
      finished(utterance);
    };
    current = utterance;
    timer = setTimeout(() => finished(utterance), MAX_CUE_MS);
    synth.speak(utterance);
  }

  function say(text) {
    if (!enabled || typeof text !== 'string' || text === '') return;
    if (current) waiting = text;
    else speakNow(text);
  }

  function setEnabled(on) {
    enabled = on && supported;
    toggle.checked = enabled;
    remember(enabled);
    if (!enabled && supported) {
      waiting = null;
      current = null;
      clearTimeout(timer);
      synth.cancel();
    }
  }

  if (!supported) {
    toggle.disabled = true;
    toggle.parentElement.title = 'This browser cannot speak (no speech synthesis)';
  }
  toggle.addEventListener('change', () => setEnabled(toggle.checked));
  document.addEventListener('click', () => showBlocked(false));
  setEnabled(remembered());

  return { say, get enabled() { return enabled; } };
})();
