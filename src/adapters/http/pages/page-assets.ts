import type { FastifyInstance } from 'fastify';

/**
 * The pages' stylesheet and scripts, served by hanvisa itself (no CDN, no web font): system
 * fonts, colours with at least 4.5:1 contrast, a visible focus ring, print styles.
 */
export const PAGE_CSS = `
:root{--ink:#1f2933;--muted:#3e4c59;--line:#9aa5b1;--soft:#f0f4f8;--brand:#0b4f8a;--focus:#b45309;
--away-bg:#fde8e8;--away:#8a1c1c;--info-bg:#fff4d6;--info:#6b4500;--ok-bg:#e3f6e8;--ok:#1b5e20}
*{box-sizing:border-box}
html{font-size:100%}
body{margin:0;font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:#fff;line-height:1.45}
a{color:var(--brand)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{display:flex;align-items:center;gap:1.5rem;padding:.4rem 1rem;background:var(--brand);color:#fff;flex-wrap:wrap}
header.top a{color:#fff}
.brand{margin:0;font-weight:700;font-size:1.15rem}
.brand a{text-decoration:none}
nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0;flex-wrap:wrap}
nav a{text-decoration:none;padding:.2rem .1rem;border-bottom:3px solid transparent}
nav a[aria-current=page]{border-bottom-color:#fff;font-weight:600}
header.top :focus-visible{outline-color:#fff}
.who{margin-left:auto;display:flex;gap:.75rem;align-items:center}
.who form{margin:0}
button.link{background:none;border:1px solid #fff;color:#fff;border-radius:4px;padding:.15rem .6rem;font:inherit;cursor:pointer}
main{padding:1rem;max-width:84rem;margin:0 auto}
main:focus{outline:none}
h1{font-size:1.5rem;margin:.3rem 0 .8rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.lead{max-width:60rem}
.muted,.hint{color:var(--muted)}
.hint{margin:.2rem 0 0;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid var(--line)}
thead th{border-bottom:2px solid var(--muted);font-size:.9rem}
.num{text-align:right}
.scroll{overflow-x:auto}
.ok{color:var(--ok)}
.bad{color:var(--away)}
tr.failing{background:var(--away-bg)}
.alert{background:var(--away-bg);color:var(--away);padding:.6rem .8rem;border-left:4px solid var(--away)}
.notice{background:var(--soft);padding:.6rem .8rem;border-left:4px solid var(--brand)}
label{font-weight:600;display:block;margin:0 0 .25rem}
input[type=text],input[type=search],select{font:inherit;padding:.45rem .6rem;border:2px solid var(--muted);border-radius:4px;color:var(--ink);background:#fff}
button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:2px solid var(--brand);background:var(--brand);color:#fff;cursor:pointer}
button.small{padding:.15rem .5rem;font-size:.9rem}
form.inline{display:flex;gap:.5rem 1rem;align-items:center;flex-wrap:wrap}
form.inline label{margin:0}
.board main{max-width:none;padding:.75rem 1rem}
.search{display:block}
.search input{width:100%;max-width:40rem;font-size:1.25rem}
.status{margin:.4rem 0;color:var(--muted)}
.people{list-style:none;margin:0;padding:0}
.person{border-bottom:1px solid var(--line)}
.person .row{display:grid;grid-template-columns:minmax(11rem,16rem) 7.5rem minmax(6rem,10rem) minmax(14rem,1fr) minmax(10rem,20rem);gap:.75rem;align-items:baseline;width:100%;text-align:left;background:#fff;color:var(--ink);border:0;border-radius:0;padding:.4rem .5rem}
.person .row:hover{background:var(--soft)}
.person .row:focus-visible{outline-offset:-3px}
.person .name{font-weight:600}
.person .ext{font-variant-numeric:tabular-nums}
.person .unit,.person .next{color:var(--muted)}
.badge{display:inline-block;min-width:6.5rem;text-align:center;font-weight:600;border-radius:3px;padding:0 .4rem;margin-right:.3rem}
.away .badge{background:var(--away-bg);color:var(--away);border:1px solid var(--away)}
.info .badge{background:var(--info-bg);color:var(--info);border:1px solid var(--info)}
.available .badge{background:var(--ok-bg);color:var(--ok);border:1px solid var(--ok)}
.details{padding:.2rem .5rem .6rem 1.5rem;background:var(--soft)}
.details ul{margin:.2rem 0;padding-left:1.2rem}
.tester form{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.tester form label{flex-basis:100%}
.tester input[type=text]{flex:1;min-width:16rem;max-width:40rem}
.verdict{font-weight:600;margin:.6rem 0 .3rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
.facts dt{color:var(--muted)}
.facts dd{margin:0}
.chart{max-width:44rem;display:block}
.chart .bar{fill:#0b4f8a}
.chart .bar.chosen{fill:#8a1c1c}
.chart .grid{stroke:#cbd2d9;stroke-width:1}
.chart text{font-size:12px;fill:#1f2933}
.chart .label.chosen{font-weight:700}
.manual table{max-width:70rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
code{font-family:ui-monospace,Consolas,monospace;font-size:.95em}
@media print{header.top,.skip,.print-hide{display:none}main{max-width:none;padding:0}a{color:inherit}}
`;

/** The board: search as you type, arrows and Enter and Esc, live updates by server-sent events (and a 30 s poll). */
export const BOARD_JS = `(() => {
  'use strict';
  const input = document.getElementById('sok');
  const list = document.getElementById('traffar');
  const status = document.getElementById('status');
  if (!input || !list || !status) return;
  const STATE = { away: 'Hänvisad', info: 'Info', available: 'Tillgänglig' };
  let version = status.dataset.version || '';
  let seq = 0;
  let timer = null;
  const el = (tag, cls, text) => { const n = document.createElement(tag); if (cls) n.className = cls; if (text !== undefined) n.textContent = text; return n; };
  function render(answer) {
    version = answer.version;
    list.replaceChildren();
    answer.people.forEach((p, i) => {
      const li = el('li', 'person ' + p.state);
      const btn = el('button', 'row');
      btn.type = 'button';
      btn.setAttribute('aria-expanded', 'false');
      btn.setAttribute('aria-controls', 'detaljer-' + i);
      btn.append(el('span', 'name', p.name), el('span', 'ext', p.extension), el('span', 'unit', p.unit || ''));
      const st = el('span', 'state');
      st.append(el('span', 'badge', STATE[p.state]), document.createTextNode(p.state === 'available' ? '' : ' ' + p.now));
      btn.append(st, el('span', 'next', p.next ? 'Nästa: ' + p.next : ''));
      const details = el('div', 'details');
      details.id = 'detaljer-' + i;
      details.hidden = true;
      if (p.later.length === 0) details.append(el('p', '', 'Inget mer inlagt de närmaste dagarna.'));
      else { const ul = el('ul'); p.later.forEach((line) => ul.append(el('li', '', line))); details.append(ul); }
      li.append(btn, details);
      list.append(li);
    });
    const time = new Date().toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: status.dataset.zone || undefined });
    status.textContent = answer.problem ? 'Fel: ' + answer.problem
      : (answer.total > answer.shown ? 'Visar ' + answer.shown + ' av ' + answer.total + ' – skriv för att söka.'
      : answer.total + (answer.total === 1 ? ' träff.' : ' träffar.')) + ' Uppdaterad ' + time + '.';
    status.dataset.version = version;
  }
  async function search() {
    const mine = ++seq;
    try {
      const response = await fetch('/api/tavla?q=' + encodeURIComponent(input.value), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (response.status === 401) { location.href = '/auth/login?next=/'; return; }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const answer = await response.json();
      if (mine === seq) render(answer);
    } catch (error) {
      if (mine === seq) status.textContent = 'Kunde inte söka just nu (' + error.message + '). Försöker igen.';
    }
  }
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 80); });
  const rows = () => Array.from(list.querySelectorAll('button.row'));
  function clear() { input.value = ''; search(); input.focus(); }
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') { const first = rows()[0]; if (first) { event.preventDefault(); first.focus(); } }
    else if (event.key === 'Escape') { event.preventDefault(); clear(); }
    else if (event.key === 'Enter') { event.preventDefault(); clearTimeout(timer); search().then(() => { const only = rows(); if (only.length === 1) only[0].click(); }); }
  });
  list.addEventListener('keydown', (event) => {
    const all = rows();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === 'ArrowDown') { event.preventDefault(); (all[at + 1] || all[at]).focus(); }
    else if (event.key === 'ArrowUp') { event.preventDefault(); if (at === 0) input.focus(); else all[at - 1].focus(); }
    else if (event.key === 'Escape') { event.preventDefault(); clear(); }
  });
  list.addEventListener('click', (event) => {
    const btn = event.target.closest('button.row');
    if (!btn) return;
    const details = document.getElementById(btn.getAttribute('aria-controls'));
    const open = btn.getAttribute('aria-expanded') === 'true';
    btn.setAttribute('aria-expanded', String(!open));
    if (details) details.hidden = open;
  });
  if (window.EventSource) {
    const events = new EventSource('/api/tavla/handelser');
    const changed = (event) => { try { const data = JSON.parse(event.data); if (data.version !== version) search(); } catch (e) { search(); } };
    events.addEventListener('uppdaterad', changed);
    events.addEventListener('version', changed);
  }
  setInterval(search, 30000);
  input.focus();
})();
`;

/** The code tester: answers in place (fetch with the CSRF token); without scripts the form posts. */
export const TESTER_JS = `(() => {
  'use strict';
  const form = document.getElementById('kodtest');
  const out = document.getElementById('kodtest-svar');
  if (!form || !out) return;
  const token = document.querySelector('meta[name=csrf-token]');
  const el = (tag, text) => { const n = document.createElement(tag); n.textContent = text; return n; };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    try {
      const response = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin',
        headers: { accept: 'application/json', 'x-csrf-token': token ? token.content : '' } });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const r = await response.json();
      const mode = r.mode === 'referred' ? 'Hänvisar' : r.mode === 'infoOnly' ? 'Bara information' : '–';
      const verdict = el('p', r.verdict); verdict.className = 'verdict';
      const dl = document.createElement('dl'); dl.className = 'facts';
      [['Kod', r.code], ['Växeln läser', r.label], ['Läge', mode], ['Planerad', r.planned === null ? null : (r.planned ? 'ja' : 'nej')],
       ['Okänd kod', r.unknownCode], ['Förslag', r.suggestion]].forEach(([k, v]) => dl.append(el('dt', k), el('dd', v === null || v === undefined ? '–' : v)));
      out.replaceChildren(verdict, dl);
    } catch (error) {
      out.replaceChildren(el('p', 'Kunde inte testa just nu (' + error.message + ').'));
    }
  });
})();
`;

/** `/assets/…`: open (no personal data), cached for an hour. */
export function assetRoutes(server: FastifyInstance): void {
  const assets: Record<string, { type: string; body: string }> = {
    '/assets/hanvisa.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
    '/assets/board.js': { type: 'text/javascript; charset=utf-8', body: BOARD_JS },
    '/assets/tester.js': { type: 'text/javascript; charset=utf-8', body: TESTER_JS },
  };
  for (const [path, asset] of Object.entries(assets)) {
    server.get(path, async (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body),
    );
  }
}
