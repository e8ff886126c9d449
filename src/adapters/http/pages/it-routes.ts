import type { FastifyInstance } from 'fastify';
import { describeError } from '../../../app/privacy.js';
import { codeManualHtmlFragment } from '../../../domain/codes/code-manual.js';
import { parseSubject } from '../../../domain/codes/parse-subject.js';
import { swedishDate, swedishTime } from '../../../domain/report/swedish-format.js';
import { suggestCode } from '../../../domain/rules/unknown-code.js';
import { fold } from './board-index.js';
import type { PagesDeps } from './page-deps.js';
import type { PageGuard } from './page-guard.js';
import { html, layout, type RawHtml } from './page-html.js';

/** Most calendar rows /it shows at once (failing ones first; a filter finds the rest). */
const ROWS = 200;

/** What the code tester answers: exactly what sync would do with the subject, nothing of it echoed. */
/** What IT reads about a Graph mailbox's push: active, or failing and polled meanwhile. */
function pushNote(status: 'active' | 'failing' | undefined) {
  if (status === 'active') return html`<br><span class="ok">push</span>`;
  if (status === 'failing')
    return html`<br><span class="bad">push fungerar inte: läses vid varje cykel</span>`;
  return '';
}

export interface CodeTest {
  readonly code: string | null;
  readonly label: string | null;
  readonly reason: string | null;
  readonly mode: 'referred' | 'infoOnly' | null;
  readonly planned: boolean | null;
  readonly unknownCode: string | null;
  readonly suggestion: string | null;
  /** One sentence in Swedish: what the switchboard gets. */
  readonly verdict: string;
}

/** Runs the configured parser on a subject, as sync would, and says what happens. */
export function testSubject(subject: string, deps: Pick<PagesDeps, 'codes' | 'manual'>): CodeTest {
  const parsed = parseSubject(subject, deps.codes);
  if (parsed.kind === 'code') {
    const { code, label, reason, planned } = parsed.definition;
    const verdict =
      parsed.mode === 'referred'
        ? `Telefonen hänvisas: växeln ser "${label}" och när du är åter.`
        : `Bara information: växeln ser "${label}", samtalen kopplas fram.`;
    const late =
      planned && deps.manual.lateEntryEnabled
        ? ` Planerad: ska vara inlagd senast kl. ${deps.manual.deadline.replace(':', '.')} samma dag.`
        : '';
    const privateNote =
      deps.manual.privatePolicy === 'skip'
        ? ' En privat händelse hänvisas inte.'
        : ' En privat händelse hänvisas med kodens text.';
    return {
      code,
      label,
      reason,
      mode: parsed.mode,
      planned,
      unknownCode: null,
      suggestion: null,
      verdict: verdict + late + privateNote,
    };
  }
  if (parsed.kind === 'unknown') {
    const suggestion = suggestCode(parsed.token, deps.codes);
    return {
      code: null,
      label: null,
      reason: null,
      mode: null,
      planned: null,
      unknownCode: parsed.token,
      suggestion,
      verdict: `Ingen hänvisning: "${parsed.token}" är ingen kod.${suggestion === null ? '' : ` Menade du ${suggestion}?`} Medarbetaren får veta det på sin sida.`,
    };
  }
  const fallback = Object.entries(deps.manual.fallback)
    .filter(([, reason]) => reason !== undefined)
    .map(([showAs, reason]) => `${showAs} → ${reason?.label}`);
  return {
    code: null,
    label: null,
    reason: null,
    mode: null,
    planned: null,
    unknownCode: null,
    suggestion: null,
    verdict: `Ingen kod: ingen hänvisning${fallback.length === 0 ? '' : ` (utom via visa som: ${fallback.join(', ')})`}.`,
  };
}

function testerResult(result: CodeTest | null): RawHtml {
  if (result === null) return html``;
  const mode =
    result.mode === 'referred' ? 'Hänvisar' : result.mode === 'infoOnly' ? 'Bara information' : '–';
  return html`<p class="verdict">${result.verdict}</p>
<dl class="facts">
<dt>Kod</dt><dd>${result.code ?? '–'}</dd>
<dt>Växeln läser</dt><dd>${result.label ?? '–'}</dd>
<dt>Läge</dt><dd>${mode}</dd>
<dt>Planerad</dt><dd>${result.planned === null ? '–' : result.planned ? 'ja' : 'nej'}</dd>
<dt>Okänd kod</dt><dd>${result.unknownCode ?? '–'}</dd>
<dt>Förslag</dt><dd>${result.suggestion ?? '–'}</dd>
</dl>`;
}

function testerForm(csrf: string, subject: string, result: CodeTest | null): RawHtml {
  return html`<section aria-labelledby="rubrik-kodtest" class="tester"><h2 id="rubrik-kodtest">Testa en kod</h2>
<form method="post" action="/it/kodtest" id="kodtest">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="amne">Ämnesrad</label>
<input id="amne" name="amne" type="text" autocomplete="off" spellcheck="false" maxlength="500" value="${subject}" placeholder="MÖT: Projektmöte">
<button type="submit">Testa</button>
</form>
<div id="kodtest-svar" role="status" aria-live="polite">${testerResult(result)}</div>
</section>`;
}

/** `/it` (every calendar's sync state and the code tester), `/it/koder` (the code manual). */
export function itRoutes(server: FastifyInstance, deps: PagesDeps, guard: PageGuard): void {
  const zone = deps.timeZone;
  const stamp = (instant: number | null) =>
    instant === null ? '–' : `${swedishDate(instant, zone)} ${swedishTime(instant, zone)}`;

  async function itPage(
    csrf: string,
    subject: string,
    result: CodeTest | null,
    notice: string | null,
    filter = '',
  ) {
    const [states, entries, push] = await Promise.all([
      Promise.all(deps.calendars.map((calendar) => deps.state.getSyncState(calendar.id))),
      deps.sink.list({}),
      deps.pushStatus?.() ?? Promise.resolve(new Map<string, 'active' | 'failing'>()),
    ]);
    const counts = new Map<string, number>();
    const now = deps.clock();
    for (const entry of entries) {
      if (entry.end <= now) continue;
      counts.set(entry.sourceRef.calendar, (counts.get(entry.sourceRef.calendar) ?? 0) + 1);
    }
    const failing = states.filter((state) => state?.lastError != null).length;
    // Failing calendars first, then the rest in config order; a filter by name or calendar id;
    // at most ROWS rows, so the page stays usable with 10,000 calendars.
    const wanted = fold(filter);
    const order = deps.calendars
      .map((calendar, index) => ({ calendar, state: states[index] ?? null }))
      .filter(
        ({ calendar }) =>
          wanted === '' ||
          fold(deps.employees.get(calendar.employee)?.name ?? '').includes(wanted) ||
          calendar.id.toLowerCase().includes(wanted),
      );
    const matching = order.length;
    const shown = [
      ...order.filter(({ state }) => state?.lastError != null),
      ...order.filter(({ state }) => state?.lastError == null),
    ].slice(0, ROWS);
    const rows = shown.map(({ calendar, state }) => {
      const pushed = push.get(calendar.id);
      const every = pushed === 'active' ? (deps.safetyPollMs ?? deps.scheduleEveryMs) : deps.scheduleEveryMs;
      const next = state?.lastSyncAt == null ? null : Math.max(now, state.lastSyncAt + every);
      const who = deps.employees.get(calendar.employee)?.name ?? calendar.employee;
      return html`<tr class="${state?.lastError == null ? '' : 'failing'}"><th scope="row">${who}</th><td><code>${calendar.id}</code></td>
<td>${calendar.kind === 'graph' ? 'Outlook (Graph)' : 'iCal'}${pushNote(pushed)}</td>
<td>${stamp(state?.lastSuccessAt ?? null)}</td>
<td>${state?.lastError == null ? html`<span class="ok">–</span>` : html`<span class="bad">${state.lastError}</span>`}</td>
<td>${pushed === 'active' ? html`Vid ändring, senast ${next === null ? 'vid nästa cykel' : stamp(next)}` : next === null ? 'Vid nästa cykel' : stamp(next)}</td>
<td class="num">${counts.get(calendar.id) ?? 0}</td>
${
  deps.queue === undefined || deps.syncRequest === undefined
    ? ''
    : html`<td><form method="post" action="/it/synka"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kalender" value="${calendar.id}"><button type="submit" class="small" aria-label="Synka nu: ${who}s kalender">Synka nu</button></form></td>`
}</tr>`;
    });
    const canSync = deps.queue !== undefined && deps.syncRequest !== undefined;
    return html`<h1>IT</h1>
${notice === null ? '' : html`<p class="notice" role="status">${notice}</p>`}
${testerForm(csrf, subject, result)}
<section aria-labelledby="rubrik-kalendrar"><h2 id="rubrik-kalendrar">Kalendrar</h2>
<p>${deps.calendars.length} kalendrar, ${failing} med fel. <a href="/it/koder">Manual för koder</a></p>
<form method="get" action="/it" class="inline" role="search"><label for="sok-kalender">Sök medarbetare eller kalender</label>
<input id="sok-kalender" name="kalender" type="search" autocomplete="off" value="${filter}"><button type="submit">Sök</button></form>
<p>${shown.length < matching ? `Visar ${shown.length} av ${matching}, de med fel först.` : `Visar ${matching}${wanted === '' ? '' : ` av ${deps.calendars.length}`}, de med fel först.`}</p>
<div class="scroll"><table class="calendars"><thead><tr><th scope="col">Medarbetare</th><th scope="col">Kalender</th><th scope="col">Typ</th><th scope="col">Senast lyckad</th><th scope="col">Senaste fel</th><th scope="col">Nästa läsning</th><th scope="col" class="num">Hänvisningar</th>${canSync ? html`<th scope="col"><span class="visually-hidden">Åtgärd</span></th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table></div></section>`;
  }

  server.get('/it', { preHandler: guard(['it']) }, async (request, reply) => {
    const session = request.pageSession;
    if (session === undefined) return reply.code(401).send();
    const filter = (request.query as { kalender?: unknown }).kalender;
    const body = await itPage(
      session.csrf,
      '',
      null,
      null,
      typeof filter === 'string' ? filter.slice(0, 200) : '',
    );
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'IT', active: 'it', session, body, scripts: ['/assets/tester.js'] }));
  });

  server.post('/it/kodtest', { preHandler: guard(['it']) }, async (request, reply) => {
    const session = request.pageSession;
    if (session === undefined) return reply.code(401).send();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const subject = typeof body.amne === 'string' ? body.amne.slice(0, 500) : '';
    const result = testSubject(subject, deps);
    if ((request.headers.accept ?? '').includes('application/json')) return reply.send(result);
    const page = await itPage(session.csrf, subject, result, null);
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'IT', active: 'it', session, body: page, scripts: ['/assets/tester.js'] }));
  });

  server.post('/it/synka', { preHandler: guard(['it']) }, async (request, reply) => {
    const session = request.pageSession;
    if (session === undefined) return reply.code(401).send();
    const calendar = (request.body as Record<string, unknown> | undefined)?.kalender;
    const known = deps.calendars.find((item) => item.id === calendar);
    let notice: string;
    if (known === undefined || deps.queue === undefined || deps.syncRequest === undefined) {
      notice = 'Ingen sådan kalender.';
    } else {
      try {
        await deps.queue.enqueue(deps.syncRequest(known.id));
        notice = `Kalendern ${known.id} läses om strax.`;
      } catch (error) {
        notice = `Kunde inte lägga jobbet i kön: ${describeError(error)}`;
      }
    }
    const page = await itPage(session.csrf, '', null, notice);
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'IT', active: 'it', session, body: page, scripts: ['/assets/tester.js'] }));
  });

  server.get(
    '/it/koder',
    { preHandler: guard(['it', 'switchboard', 'employee', 'manager']) },
    async (request, reply) => {
      const body = html`<div class="manual">${{ html: codeManualHtmlFragment(deps.codes, deps.manual) }}</div>
<p class="print-hide"><a href="/it/koder.md">Som Markdown</a> · Skriv ut med Ctrl+P.</p>`;
      return reply
        .type('text/html; charset=utf-8')
        .send(
          layout({ title: 'Manual för koder', active: 'codes', session: request.pageSession ?? null, body }),
        );
    },
  );
}
