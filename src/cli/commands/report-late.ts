import { buildReports, reportDocument, validateReportQuery } from '../../app/build-report.js';
import { createApp, createReportDependencies } from '../../app/composition-root.js';
import type { ReportFile } from '../../app/ports/report-delivery.js';
import { PermanentError, UsageError } from '../../domain/errors.js';
import { reportJson } from '../../domain/report/report-json.js';
import { type Command, directoryConfigFor, parseInstant, printJson } from '../command.js';

const FORMATS = ['json', 'csv', 'html'] as const;
type Format = (typeof FORMATS)[number];

function formatsOf(text: string | undefined): Set<Format> {
  const items = (text ?? 'json')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
  const unknown = items.filter((item) => !(FORMATS as readonly string[]).includes(item));
  if (items.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--format: ${unknown.length > 0 ? `unknown format "${unknown[0]}"` : 'empty'}; use json, csv, html or a list such as json,html`,
    );
  }
  return new Set(items as Format[]);
}

export const reportLateCommand: Command = {
  name: 'report late',
  summary: 'late-entry report per manager and period: JSON on stdout, CSV/HTML into the report folder',
  options: {
    from: {
      type: 'string',
      value: 'time',
      description: 'first day (or time) of the period, local to timeZone (required)',
    },
    to: { type: 'string', value: 'time', description: 'end of the period, exclusive (required)' },
    manager: { type: 'string', value: 'id', description: 'only this manager', default: 'every manager' },
    format: {
      type: 'string',
      value: 'list',
      description: 'json (stdout), csv and html (files), comma-separated',
      default: 'json',
    },
    out: {
      type: 'string',
      value: 'dir',
      description: 'where CSV and HTML files go',
      default: 'reports.folder of the config',
    },
  },
  examples: [
    'hanvisa report late --config config/hanvisa.yaml --from 2026-11-16 --to 2026-11-23',
    'hanvisa report late --config config/hanvisa.yaml --from 2026-11-16 --to 2026-11-23 --format json,csv,html --out /tmp/reports',
  ],
  async run(context) {
    const fromText = context.values.from as string | undefined;
    const toText = context.values.to as string | undefined;
    if (fromText === undefined || toText === undefined) {
      throw new UsageError(
        'needs --from and --to (ISO dates or times, local to timeZone; --to is exclusive), e.g. --from 2026-03-02 --to 2026-03-09',
      );
    }
    const formats = formatsOf(context.values.format as string | undefined);
    const config = await directoryConfigFor(context);
    const query = {
      from: parseInstant(fromText, config.timeZone, '--from'),
      to: parseInstant(toText, config.timeZone, '--to'),
      manager: (context.values.manager as string | undefined) ?? null,
    };
    validateReportQuery(config, query);
    const out = context.values.out as string | undefined;
    const app = createApp(config);
    try {
      const delivery = createReportDependencies(
        config,
        app.state,
        out === undefined ? {} : { folder: out, setting: '--out' },
      );
      const files = formats.has('csv') || formats.has('html');
      if (files) {
        try {
          await delivery.archive.checkWritable();
        } catch (error) {
          if (error instanceof PermanentError) throw new UsageError(error.message);
          throw error;
        }
      }
      const reports = await buildReports(app, query);
      const json = formats.has('json');
      if (json) printJson(context.io, reportJson(reports.scope));
      if (!files) return 0;
      const written: string[] = [];
      for (const report of reports.perManager) {
        const document = reportDocument(report);
        const chosen: ReportFile[] = [];
        if (formats.has('html'))
          chosen.push({
            name: `${document.id}.html`,
            contentType: 'text/html; charset=utf-8',
            content: document.html,
          });
        if (formats.has('csv')) chosen.push(...document.attachments);
        written.push(...(await delivery.archive.writeFiles(chosen)));
      }
      const say = json || context.common.json ? context.io.stderr : context.io.stdout;
      if (written.length === 0) say(`no manager in scope: nothing written to ${delivery.archive.location}\n`);
      for (const file of written) say(`${file}\n`);
      return 0;
    } finally {
      await app.close();
    }
  },
};
