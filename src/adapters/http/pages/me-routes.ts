import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import type { Instant } from '../../../domain/occurrence.js';
import { swedishDate, swedishTime } from '../../../domain/report/swedish-format.js';
import type { PageEmployee, PagesDeps } from './page-deps.js';
import { forbidden, type PageGuard } from './page-guard.js';
import { html, layout, type RawHtml } from './page-html.js';
import { spanText } from './page-time.js';

const LATE_KIND: Readonly<Record<string, string>> = {
  late: 'lades in efter tidsgränsen',
  retroactive: 'lades in när det redan hade börjat',
  invited: 'inbjudan som kom sent (räknas inte mot dig)',
};

function when(start: Instant, end: Instant | null, zone: string): string {
  return end === null
    ? `${swedishDate(start, zone)} ${swedishTime(start, zone)}`
    : spanText(start, end, zone);
}

/**
 * `/me`: the signed-in employee's own calendar connection for the sync window: what refers the
 * phone and how, unknown codes with the code they probably meant, planned meetings entered
 * late, and when each calendar was last read. IT may open anyone's (`?anstalld=ID`); everyone
 * else sees only themselves.
 */
export function meRoutes(server: FastifyInstance, deps: PagesDeps, guard: PageGuard): void {
  server.get('/me', { preHandler: guard(['employee', 'manager', 'it']) }, async (request, reply) => {
    const session = request.pageSession;
    if (session === undefined) return reply.code(401).send();
    const asked = (request.query as { anstalld?: unknown }).anstalld;
    let employee: PageEmployee | undefined;
    if (typeof asked === 'string' && asked !== session.employee) {
      if (!session.roles.includes('it')) return forbidden(request, reply, 'IT för att se någon annans sida');
      employee = deps.employees.get(asked);
    } else if (session.employee !== null) {
      employee = deps.employees.get(session.employee);
    }
    const zone = deps.timeZone;
    let body: RawHtml;
    if (employee === undefined) {
      const options = [...deps.employees.values()].sort((a, b) => a.name.localeCompare(b.name, 'sv'));
      body = html`<h1>Min kalenderkoppling</h1>
<p>${typeof asked === 'string' ? 'Ingen medarbetare med det id:t finns i katalogen.' : 'Ditt konto är inte kopplat till någon medarbetare i katalogen.'}</p>
${
  session.roles.includes('it')
    ? html`<form method="get" action="/me"><label for="anstalld">Visa en medarbetares sida</label>
<select id="anstalld" name="anstalld">${options.map((item) => html`<option value="${item.id}">${item.name}</option>`)}</select>
<button type="submit">Visa</button></form>`
    : ''
}`;
    } else {
      body = await employeeBody(deps, employee, zone, session.employee !== employee.id);
    }
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'Min kalenderkoppling', active: 'me', session, body }));
  });
}

async function employeeBody(
  deps: PagesDeps,
  employee: PageEmployee,
  zone: string,
  someoneElse: boolean,
): Promise<RawHtml> {
  const now = deps.clock();
  const from = DateTime.fromMillis(now, { zone })
    .startOf('day')
    .minus({ days: deps.window.pastDays })
    .toMillis();
  const to = DateTime.fromMillis(now, { zone })
    .startOf('day')
    .plus({ days: deps.window.futureDays + 1 })
    .toMillis();
  const calendars = deps.calendars.filter((calendar) => calendar.employee === employee.id);
  const [entries, findings, states] = await Promise.all([
    deps.sink.list({ employee: employee.id }),
    deps.state.listFindings({ from, to, employees: [employee.id] }),
    Promise.all(calendars.map((calendar) => deps.state.getSyncState(calendar.id))),
  ]);
  const upcoming = entries
    .filter((entry) => entry.end > now && entry.start < to)
    .sort((a, b) => a.start - b.start);
  const unknown = findings
    .filter((finding) => finding.rule === 'unknownCode')
    .sort((a, b) => a.occurrenceStart - b.occurrenceStart);
  const late = findings
    .filter((finding) => finding.rule === 'lateEntry')
    .sort((a, b) => a.occurrenceStart - b.occurrenceStart);
  const labels = new Map(deps.codes.definitions.map((definition) => [definition.code, definition.label]));
  const calendarRows = calendars.map((calendar, index) => {
    const state = states[index] ?? null;
    const read = state?.lastSuccessAt ?? null;
    return html`<tr><th scope="row">Kalender ${index + 1} (${calendar.kind === 'graph' ? 'Outlook' : 'iCal'})</th>
<td>${read === null ? 'Inte läst ännu' : `${swedishDate(read, zone)} ${swedishTime(read, zone)}`}</td>
<td>${state?.lastError === null || state === null ? html`<span class="ok">Fungerar</span>` : html`<span class="bad">Fel: ${state.lastError}</span>`}</td></tr>`;
  });
  const failing = states.some((state) => state !== null && state.lastError !== null);
  return html`<h1>${someoneElse ? `Kalenderkoppling: ${employee.name}` : 'Min kalenderkoppling'}</h1>
<p class="lead">${someoneElse ? `${employee.name}s` : 'Dina'} hänvisningar som hanvisa läst ur kalendern, från ${swedishDate(from, zone)} till ${swedishDate(to - 1, zone)}. Ämnena visas aldrig, bara koden och tiderna.</p>
${failing ? html`<p class="alert" role="alert">Kalendern kunde inte läsas senast. Hänvisningarna nedan kan vara inaktuella.</p>` : ''}
<section aria-labelledby="rubrik-kalendrar"><h2 id="rubrik-kalendrar">Senast läst</h2>
${
  calendars.length === 0
    ? html`<p>Ingen kalender är kopplad.</p>`
    : html`<table><thead><tr><th scope="col">Kalender</th><th scope="col">Senast läst</th><th scope="col">Status</th></tr></thead><tbody>${calendarRows}</tbody></table>`
}</section>
<section aria-labelledby="rubrik-hanvisningar"><h2 id="rubrik-hanvisningar">Hänvisningar</h2>
${
  upcoming.length === 0
    ? html`<p>Inga hänvisningar de närmaste ${deps.window.futureDays} dagarna.</p>`
    : html`<table><thead><tr><th scope="col">När</th><th scope="col">Växeln läser</th><th scope="col">Hur</th></tr></thead><tbody>
${upcoming.map(
  (entry) => html`<tr><td>${when(entry.start, entry.end, zone)}</td><td>${entry.label}</td>
<td>${entry.mode === 'referred' ? 'Telefonen hänvisas' : 'Bara information, samtal kopplas fram'}</td></tr>`,
)}</tbody></table>`
}</section>
<section aria-labelledby="rubrik-okanda"><h2 id="rubrik-okanda">Okända koder</h2>
${
  unknown.length === 0
    ? html`<p>Inga okända koder. Bra!</p>`
    : html`<p>De här händelserna började med något som liknar en kod men inte finns i kodtabellen, så telefonen hänvisades inte. Ändra ämnet i kalendern.</p>
<table><thead><tr><th scope="col">När</th><th scope="col">Förslag</th></tr></thead><tbody>
${unknown.map((finding) => {
  const suggestion = typeof finding.details.suggestion === 'string' ? finding.details.suggestion : null;
  return html`<tr><td>${when(finding.occurrenceStart, null, zone)}</td><td>${
    suggestion === null
      ? 'Okänd kod – se manualen för koder'
      : html`Okänd kod – menade du <strong><code>${suggestion}</code></strong> (${labels.get(suggestion) ?? ''})?`
  }</td></tr>`;
})}</tbody></table>`
}
<p><a href="/it/koder">Manual för koder</a></p></section>
<section aria-labelledby="rubrik-sena"><h2 id="rubrik-sena">Sent inlagda möten</h2>
${
  late.length === 0
    ? html`<p>Inga sent inlagda planerade möten.</p>`
    : html`<table><thead><tr><th scope="col">När</th><th scope="col">Kod</th><th scope="col">Inlagt</th><th scope="col">Vad</th></tr></thead><tbody>
${late.map((finding) => {
  const code = typeof finding.details.code === 'string' ? finding.details.code : null;
  const entered = typeof finding.details.enteredAt === 'number' ? finding.details.enteredAt : null;
  const end = typeof finding.details.occurrenceEnd === 'number' ? finding.details.occurrenceEnd : null;
  return html`<tr><td>${when(finding.occurrenceStart, end, zone)}</td><td>${code === null ? '' : (labels.get(code) ?? code)}</td>
<td>${entered === null ? '' : `${finding.details.approximate === true ? '≈ ' : ''}${swedishDate(entered, zone)} ${swedishTime(entered, zone)}`}</td>
<td>${LATE_KIND[finding.kind] ?? finding.kind}</td></tr>`;
})}</tbody></table>`
}</section>`;
}
