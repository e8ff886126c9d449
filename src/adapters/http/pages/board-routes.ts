import type { FastifyInstance } from 'fastify';
import type { BoardFeed } from './board-feed.js';
import type { BoardPerson } from './board-index.js';
import type { PageGuard } from './page-guard.js';
import { html, layout } from './page-html.js';

const STATE_TEXT = { away: 'Hänvisad', info: 'Info', available: 'Tillgänglig' } as const;

function personHtml(person: BoardPerson, index: number) {
  const detailsId = `detaljer-${index}`;
  return html`<li class="person ${person.state}">
<button type="button" class="row" aria-expanded="false" aria-controls="${detailsId}">
<span class="name">${person.name}</span>
<span class="ext">${person.extension}</span>
<span class="unit">${person.unit ?? ''}</span>
<span class="state"><span class="badge">${STATE_TEXT[person.state]}</span> ${person.state === 'available' ? '' : person.now}</span>
<span class="next">${person.next === null ? '' : `Nästa: ${person.next}`}</span>
</button>
<div class="details" id="${detailsId}" hidden>
${person.later.length === 0 ? html`<p>Inget mer inlagt de närmaste dagarna.</p>` : html`<ul>${person.later.map((line) => html`<li>${line}</li>`)}</ul>`}
</div>
</li>`;
}

/** `/`: the switchboard's board; `/api/tavla` answers the search; `/api/tavla/handelser` streams updates. */
export function boardRoutes(server: FastifyInstance, feed: BoardFeed, guard: PageGuard, zone: string): void {
  const roles = ['switchboard', 'it'] as const;
  server.get('/', { preHandler: guard(roles) }, async (request, reply) => {
    const query =
      typeof (request.query as { q?: unknown }).q === 'string' ? (request.query as { q: string }).q : '';
    const answer = await feed.search(query);
    const status =
      answer.problem !== null
        ? `Fel: ${answer.problem}`
        : answer.total > answer.shown
          ? `Visar ${answer.shown} av ${answer.total} – skriv för att söka.`
          : `${answer.total} ${answer.total === 1 ? 'träff' : 'träffar'}.`;
    const body = html`<h1 class="visually-hidden">Växeln</h1>
<form class="search" role="search" action="/" method="get">
<label for="sok">Sök namn, anknytning eller enhet</label>
<input id="sok" name="q" type="search" autocomplete="off" spellcheck="false" autofocus value="${query}" aria-describedby="sok-hjalp" aria-controls="traffar">
<p id="sok-hjalp" class="hint">Pil ned: till träffarna · Enter: detaljer · Esc: töm sökningen</p>
</form>
<p id="status" class="status" role="status" aria-live="polite" data-version="${answer.version}" data-zone="${zone}">${status}</p>
<ul id="traffar" class="people" aria-label="Träffar">
${answer.people.map((person, index) => personHtml(person, index))}
</ul>`;
    return reply.type('text/html; charset=utf-8').send(
      layout({
        title: 'Växeln',
        active: 'board',
        session: request.pageSession ?? null,
        body,
        scripts: ['/assets/board.js'],
        bodyClass: 'board',
      }),
    );
  });

  server.get('/api/tavla', { preHandler: guard(roles) }, async (request) => {
    const q = (request.query as { q?: unknown }).q;
    return feed.search(typeof q === 'string' ? q.slice(0, 200) : '');
  });

  server.get('/api/tavla/handelser', { preHandler: guard(roles) }, async (request, reply) => {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    const send = (event: string, data: unknown) =>
      out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    out.write('retry: 5000\n\n');
    await feed.ensureLoaded();
    send('version', { version: feed.index.version });
    const stop = feed.listen((version) => send('uppdaterad', { version }));
    const heartbeat = setInterval(() => out.write(': ping\n\n'), 25_000);
    const end = () => {
      clearInterval(heartbeat);
      stop();
    };
    request.raw.once('close', end);
    out.once('close', end);
  });
}
