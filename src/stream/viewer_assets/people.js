// The "People" card of the viewer page, shown while the device follows several people
// (`run --people N`): a row per person of the result's "people" with their colour (the one the
// overlay draws them in: the result's "colour", from src/result/person_colour.cpp), id, label,
// reps and guidance; the primary person (whom the panels above show) is starred. A click on a
// row coaches that person (POST /api/person {"person": id}: they become the primary person and
// get the targets); "Everyone" sends {"person": "all"}, "Automatic" {"person": 0}.
// Rows are updated in place, so a click is not lost to a result arriving in between.
// viewer.js calls posecastPeople.start({postJson, notify, refreshStatus}), then show(result) per
// result and showStatus(status) per /api/status.
'use strict';

window.posecastPeople = (() => {
  const card = document.getElementById('people-card');
  const list = document.getElementById('people');
  const coached = document.getElementById('people-coached');
  const rows = new Map();  // id -> {button, parts}
  let viewer = null;       // {postJson, notify, refreshStatus} from viewer.js

  const COLOUR = /^#[0-9a-f]{6}$/i;

  function repsText(e) {
    if (!e || typeof e !== 'object') return '';
    const name = e.name || e.id || 'Reps';
    return `${name} ${e.reps}${e.target_reps > 0 ? `/${e.target_reps}` : ''}`;
  }

  function newRow(id) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'person';
    button.dataset.id = String(id);
    const part = (className) => {
      const span = document.createElement('span');
      span.className = className;
      button.append(span);
      return span;
    };
    const parts = { swatch: part('person-swatch'), id: part('person-id'), label: part('person-label'),
      reps: part('person-reps'), primary: part('person-primary'), guidance: part('person-guidance') };
    parts.id.textContent = String(id);
    parts.primary.textContent = '★';
    parts.primary.title = 'Shown above; the targets go to this person';
    button.addEventListener('click', () => coach(id, `person ${id}`));
    li.append(button);
    return { li, button, parts };
  }

  const setText = (element, text) => { if (element.textContent !== text) element.textContent = text; };

  function show(r) {
    const people = Array.isArray(r.people) && !r.source_lost
        ? r.people.filter((p) => p && Number.isInteger(p.id)) : [];
    card.hidden = people.length < 2;
    if (card.hidden) return;
    const ids = new Set(people.map((p) => p.id));
    for (const [id, row] of rows) {
      if (!ids.has(id)) { row.li.remove(); rows.delete(id); }
    }
    people.forEach((p, index) => {
      let row = rows.get(p.id);
      if (!row) rows.set(p.id, row = newRow(p.id));
      if (list.children[index] !== row.li) list.insertBefore(row.li, list.children[index] || null);
      row.parts.swatch.style.background = COLOUR.test(p.colour || '') ? p.colour : 'var(--muted)';
      setText(row.parts.label, p.label || '');
      setText(row.parts.reps, repsText(p.exercise));
      setText(row.parts.guidance, p.guidance && p.guidance.text ? p.guidance.text : '');
      row.button.dataset.primary = String(p.id === r.primary_id);
      row.button.setAttribute('aria-pressed', String(p.id === r.primary_id));
      row.button.title = `Coach person ${p.id}`;
    });
  }

  // /api/status "person": whom the coach picked (an id, 0 = automatic, "all").
  function showStatus(status) {
    if (!('person' in status)) return;
    const p = status.person;
    setText(coached, p === 'all' ? '· coaching everyone' : p > 0 ? `· coaching ${p}` : '· automatic');
    card.dataset.everyone = String(p === 'all');
  }

  async function coach(person, what) {
    if (!viewer) return;
    try {
      await viewer.postJson('/api/person', { person });
      viewer.notify('ok', `Coaching ${what}`);
    } catch (e) {
      viewer.notify('error', `Could not coach ${what}: ${e.message}`);
    } finally {
      viewer.refreshStatus();
    }
  }

  document.getElementById('people-everyone').addEventListener('click', () => coach('all', 'everyone'));
  document.getElementById('people-automatic').addEventListener('click',
      () => coach(0, 'the largest and most central person'));

  return { start: (hooks) => { viewer = hooks; }, show, showStatus };
})();
