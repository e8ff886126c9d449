import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import {
  buildLateReport,
  type LateReport,
  type ReportDirectory,
  type ReportRow,
  type WeekCount,
} from '../../../domain/report/late-report.js';
import { KIND_LABELS, RULE_LABELS } from '../../../domain/report/report-html.js';
import {
  swedishDate,
  swedishDuration,
  swedishPeriod,
  swedishTime,
} from '../../../domain/report/swedish-format.js';
import type { PagesDeps } from './page-deps.js';
import { forbidden, type PageGuard } from './page-guard.js';
import { html, layout, type RawHtml } from './page-html.js';

/** The local Monday 00:00 of an ISO week `2026-W09`, or null when the text is not one. */
export function weekStart(text: string, zone: string): number | null {
  const match = /^(\d{4})-W(\d{2})$/.exec(text);
  if (match === null) return null;
  const day = DateTime.fromObject(
    { weekYear: Number(match[1]), weekNumber: Number(match[2]), weekday: 1 },
    { zone },
  );
  return day.isValid ? day.startOf('day').toMillis() : null;
}

function weekKey(instant: number, zone: string): string {
  const day = DateTime.fromMillis(instant, { zone });
  return `${day.weekYear}-W${String(day.weekNumber).padStart(2, '0')}`;
}

/** The 12-week chart as inline SVG (bars with titles), with the same numbers as a table for screen readers. */
export function weekChart(weeks: readonly WeekCount[], chosen: number): RawHtml {
  const width = 640;
  const height = 200;
  const top = 16;
  const bottom = 28;
  const left = 32;
  const max = Math.max(1, ...weeks.map((week) => week.count));
  const slot = (width - left) / Math.max(1, weeks.length);
  const barWidth = Math.max(8, slot * 0.6);
  const scale = (height - top - bottom) / max;
  const ticks = [0, Math.ceil(max / 2), max].filter((value, index, all) => all.indexOf(value) === index);
  const bars = weeks.map((week, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    const barHeight = week.count * scale;
    const y = height - bottom - barHeight;
    const isChosen = week.weekStart === chosen;
    return `<g><title>v. ${week.week}: ${week.count} ${week.count === 1 ? 'sen registrering' : 'sena registreringar'}</title>
<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0, barHeight).toFixed(1)}" class="${isChosen ? 'bar chosen' : 'bar'}"></rect>
<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" class="value">${week.count}</text>
<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" class="${isChosen ? 'label chosen' : 'label'}">v.${week.week}</text></g>`;
  });
  const grid = ticks.map((tick) => {
    const y = height - bottom - tick * scale;
    return `<line x1="${left}" x2="${width}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"></line><text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="axis">${tick}</text>`;
  });
  const svg = `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="diagram-titel diagram-beskrivning" class="chart" focusable="false">
<title id="diagram-titel">Sena registreringar per vecka, senaste ${weeks.length} veckorna</title>
<desc id="diagram-beskrivning">${weeks.map((week) => `v. ${week.week}: ${week.count}`).join(', ')}</desc>
${grid.join('\n')}
${bars.join('\n')}
</svg>`;
  return html`${{ html: svg }}
<details><summary>Visa diagrammet som tabell</summary>
<table><thead><tr><th scope="col">Vecka</th><th scope="col" class="num">Sena registreringar</th></tr></thead>
<tbody>${weeks.map((week) => html`<tr><td>v. ${week.week}</td><td class="num">${week.count}</td></tr>`)}</tbody></table></details>`;
}

function rowWhen(row: ReportRow, zone: string): string {
  const start = `${swedishDate(row.occurrenceStart, zone)} ${swedishTime(row.occurrenceStart, zone)}`;
  return row.occurrenceEnd === null ? start : `${start}–${swedishTime(row.occurrenceEnd, zone)}`;
}

function reportBody(report: LateReport, chart: LateReport, zone: string): RawHtml {
  const counted = report.late.filter((row) => row.counted).length;
  return html`<p class="lead">${swedishPeriod(report.from, report.to, zone)}: <strong>${counted}</strong> ${counted === 1 ? 'sen registrering' : 'sena registreringar'}. Planerade möten ska finnas i hänvisningssystemet senast kl. ${report.deadline.replace(':', '.')} samma dag, eller när mötet börjar om det är tidigare. ${report.countInvited ? 'Möten som medarbetaren blivit inbjuden till räknas med.' : 'Möten som medarbetaren blivit inbjuden till visas men räknas inte.'}</p>
<section aria-labelledby="rubrik-diagram"><h2 id="rubrik-diagram">Senaste 12 veckorna</h2>${weekChart(chart.weeks, report.from)}</section>
<section aria-labelledby="rubrik-per"><h2 id="rubrik-per">Per medarbetare</h2>
<table><thead><tr><th scope="col">Medarbetare</th><th scope="col" class="num">Sena</th><th scope="col" class="num">I efterhand</th><th scope="col" class="num">Inbjudna</th><th scope="col" class="num">Totalt</th></tr></thead><tbody>
${report.totals.map((total) => html`<tr><th scope="row">${total.name}</th><td class="num">${total.late}</td><td class="num">${total.retroactive}</td><td class="num">${total.invited}</td><td class="num"><strong>${total.counted}</strong></td></tr>`)}
</tbody></table></section>
<section aria-labelledby="rubrik-alla"><h2 id="rubrik-alla">Alla sena registreringar</h2>
${
  report.late.length === 0
    ? html`<p>Inga sena registreringar under veckan.</p>`
    : html`<table><thead><tr><th scope="col">Medarbetare</th><th scope="col">När</th><th scope="col">Kod</th><th scope="col">Inlagd</th><th scope="col">Senast</th><th scope="col" class="num">Hur sent</th><th scope="col">Typ</th></tr></thead><tbody>
${report.late.map(
  (
    row,
  ) => html`<tr><th scope="row">${row.employeeName}</th><td>${rowWhen(row, zone)}</td><td>${row.label ?? row.code ?? ''}</td>
<td>${row.enteredAt === null ? '' : `${row.approximate ? '≈ ' : ''}${swedishDate(row.enteredAt, zone)} ${swedishTime(row.enteredAt, zone)}`}</td>
<td>${row.deadline === null ? '' : swedishTime(row.deadline, zone)}</td>
<td class="num">${row.enteredAt === null || row.deadline === null ? '' : swedishDuration(row.enteredAt - row.deadline)}</td>
<td>${KIND_LABELS[row.kind] ?? row.kind}${row.counted ? '' : ' (räknas inte)'}</td></tr>`,
)}</tbody></table>`
}</section>
${
  report.other.length === 0
    ? ''
    : html`<section aria-labelledby="rubrik-ovriga"><h2 id="rubrik-ovriga">Övriga avvikelser</h2>
<table><thead><tr><th scope="col">Medarbetare</th><th scope="col">När</th><th scope="col">Regel</th><th scope="col">Att göra</th></tr></thead><tbody>
${report.other.map(
  (
    row,
  ) => html`<tr><th scope="row">${row.employeeName}</th><td>${rowWhen(row, zone)}</td><td>${RULE_LABELS[row.rule] ?? row.rule}</td>
<td>${row.suggestion === null ? (KIND_LABELS[row.kind] ?? row.kind) : `Menade du ${row.suggestion}?`}</td></tr>`,
)}</tbody></table></section>`
}
<p class="muted">≈: ungefärlig tid. Rapporten visar aldrig mötenas ämnen.</p>`;
}

/**
 * `/reports`: the late-entry report of a manager's own staff for a chosen ISO week
 * (`?vecka=2026-W09`, default last week) and a chart of the 12 weeks up to it. A manager sees
 * only their own staff; IT may choose the manager (`?chef=ID`).
 */
export function reportsRoutes(server: FastifyInstance, deps: PagesDeps, guard: PageGuard): void {
  const zone = deps.timeZone;
  const managers = () => {
    const ids = new Set<string>();
    for (const employee of deps.employees.values()) if (employee.manager !== null) ids.add(employee.manager);
    return [...ids]
      .map((id) => ({ id, name: deps.people.get(id)?.name ?? deps.employees.get(id)?.name ?? id }))
      .sort((a, b) => a.name.localeCompare(b.name, 'sv'));
  };
  const directory = (): ReportDirectory => ({
    employees: new Map(
      [...deps.employees.values()].map((employee) => [
        employee.id,
        { id: employee.id, name: employee.name, manager: employee.manager },
      ]),
    ),
    people: new Map(
      [...deps.people.values(), ...deps.employees.values()].map((person) => [
        person.id,
        { id: person.id, name: person.name },
      ]),
    ),
    labels: new Map(deps.codes.definitions.map((definition) => [definition.code, definition.label])),
  });

  server.get('/reports', { preHandler: guard(['manager', 'it']) }, async (request, reply) => {
    const session = request.pageSession;
    if (session === undefined) return reply.code(401).send();
    const query = request.query as { vecka?: unknown; chef?: unknown };
    const all = managers();
    let manager: string | null;
    if (session.roles.includes('it')) {
      manager = typeof query.chef === 'string' ? query.chef : (all[0]?.id ?? null);
    } else {
      if (typeof query.chef === 'string' && query.chef !== session.employee)
        return forbidden(request, reply, 'IT för att se en annan chefs medarbetare');
      manager = session.employee;
    }
    const now = deps.clock();
    const thisWeek = DateTime.fromMillis(now, { zone }).startOf('week');
    const fallbackStart = thisWeek.minus({ weeks: 1 }).toMillis();
    const chosen =
      typeof query.vecka === 'string' ? (weekStart(query.vecka, zone) ?? fallbackStart) : fallbackStart;
    const from = chosen;
    const to = DateTime.fromMillis(chosen, { zone }).plus({ weeks: 1 }).toMillis();
    const chartFrom = DateTime.fromMillis(chosen, { zone }).minus({ weeks: 11 }).toMillis();
    let body: RawHtml;
    if (manager === null || !all.some((item) => item.id === manager)) {
      body = html`<h1>Rapporter</h1><p>Du har inga medarbetare i katalogen.</p>`;
    } else {
      const dir = directory();
      const staff = [...deps.employees.values()]
        .filter((employee) => employee.manager === manager)
        .map((employee) => employee.id);
      const findings = await deps.state.listFindings({ from: chartFrom, to, employees: staff });
      const request12 = {
        timeZone: zone,
        manager,
        countInvited: deps.lateEntry.countInvited,
        deadline: deps.lateEntry.deadline,
      };
      const report = buildLateReport({ ...request12, from, to }, findings, dir);
      const chart = buildLateReport({ ...request12, from: chartFrom, to }, findings, dir);
      const weekOptions: { key: string; text: string }[] = [];
      for (let index = 0; index < 12; index++) {
        const start = thisWeek.minus({ weeks: index }).toMillis();
        weekOptions.push({
          key: weekKey(start, zone),
          text: `v. ${DateTime.fromMillis(start, { zone }).weekNumber} (${swedishPeriod(start, DateTime.fromMillis(start, { zone }).plus({ weeks: 1 }).toMillis(), zone)})`,
        });
      }
      const chosenKey = weekKey(chosen, zone);
      const managerName = all.find((item) => item.id === manager)?.name ?? manager;
      body = html`<h1>Sena registreringar</h1>
<form method="get" action="/reports" class="inline">
${
  session.roles.includes('it')
    ? html`<label for="chef">Chef</label><select id="chef" name="chef">${all.map((item) => html`<option value="${item.id}"${item.id === manager ? { html: ' selected' } : ''}>${item.name}</option>`)}</select>`
    : ''
}
<label for="vecka">Vecka</label><select id="vecka" name="vecka">${weekOptions.map((option) => html`<option value="${option.key}"${option.key === chosenKey ? { html: ' selected' } : ''}>${option.text}</option>`)}</select>
<button type="submit">Visa</button></form>
<p>${managerName}s medarbetare.</p>
${reportBody(report, chart, zone)}`;
    }
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'Rapporter', active: 'reports', session, body }));
  });
}
