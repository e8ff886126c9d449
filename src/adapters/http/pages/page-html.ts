import { escapeHtml } from '../../../domain/report/report-html.js';
import type { PageRole } from './page-deps.js';
import type { PageSession } from './page-session.js';

export { escapeHtml };

/** Tagged template that escapes every interpolated value unless it is `raw(...)`. */
export interface RawHtml {
  readonly html: string;
}
export function raw(html: string): RawHtml {
  return { html };
}
export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return { html: out };
}
function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && 'html' in (value as object)) return (value as RawHtml).html;
  return escapeHtml(String(value));
}

interface NavItem {
  readonly href: string;
  readonly text: string;
  readonly roles: readonly PageRole[];
  readonly key: string;
}

const NAV: readonly NavItem[] = [
  { key: 'board', href: '/', text: 'Växeln', roles: ['switchboard', 'it'] },
  { key: 'me', href: '/me', text: 'Min kalenderkoppling', roles: ['employee', 'manager'] },
  { key: 'reports', href: '/reports', text: 'Rapporter', roles: ['manager', 'it'] },
  { key: 'it', href: '/it', text: 'IT', roles: ['it'] },
  { key: 'codes', href: '/it/koder', text: 'Koder', roles: ['it', 'switchboard', 'employee', 'manager'] },
];

export interface LayoutOptions {
  readonly title: string;
  readonly active: string;
  readonly session: PageSession | null;
  readonly body: RawHtml;
  readonly scripts?: readonly string[];
  /** The page's `<body>` class (e.g. `board`). */
  readonly bodyClass?: string;
}

/** One page: Swedish, a skip link, navigation by role, sign-out, local CSS and scripts only. */
export function layout(options: LayoutOptions): string {
  const session = options.session;
  const nav =
    session === null
      ? ''
      : NAV.filter((item) => item.roles.some((role) => session.roles.includes(role)))
          .map((item) =>
            item.key === options.active
              ? `<li><a href="${item.href}" aria-current="page">${escapeHtml(item.text)}</a></li>`
              : `<li><a href="${item.href}">${escapeHtml(item.text)}</a></li>`,
          )
          .join('');
  const who =
    session === null
      ? ''
      : html`<div class="who"><span>${session.name}</span>
<form method="post" action="/auth/logout"><input type="hidden" name="_csrf" value="${session.csrf}"><button type="submit" class="link">Logga ut</button></form></div>`
          .html;
  const scripts = (options.scripts ?? []).map((src) => `<script src="${src}" defer></script>`).join('\n');
  const csrfMeta = session === null ? '' : `<meta name="csrf-token" content="${escapeHtml(session.csrf)}">\n`;
  return `<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} – hanvisa</title>
${csrfMeta}<link rel="stylesheet" href="/assets/hanvisa.css">
${scripts}
</head>
<body${options.bodyClass === undefined ? '' : ` class="${options.bodyClass}"`}>
<a class="skip" href="#innehall">Hoppa till innehållet</a>
<header class="top">
<p class="brand"><a href="/">hanvisa</a></p>
${nav === '' ? '' : `<nav aria-label="Sidor"><ul>${nav}</ul></nav>`}
${who}
</header>
<main id="innehall" tabindex="-1">
${options.body.html}
</main>
</body>
</html>
`;
}

/** A short page with a heading and a message (errors, sign-in help, signed out). */
export function messagePage(
  title: string,
  paragraphs: readonly (RawHtml | string)[],
  session: PageSession | null,
): string {
  const body = html`<h1>${title}</h1>${paragraphs.map((text) => html`<p>${text}</p>`)}`;
  return layout({ title, active: '', session, body });
}
