/**
 * Generates a realistic large feed: a VTIMEZONE, 90 % single events spread over two years
 * around the benchmark window, 10 % weekly series, each with one moved and one cancelled
 * instance (RECURRENCE-ID exceptions, counted among the events). Deterministic for a given size.
 */
export const BENCH_WINDOW = {
  from: Date.parse('2026-03-22T23:00:00Z'),
  to: Date.parse('2026-04-06T22:00:00Z'),
};

const VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16010101T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

const CODES = ['MÖT: Avstämning', 'LUN: Lunch', 'UTB: Kurs', 'Privat', 'SAM: Nämnd', 'UTE: Kundbesök'];

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function local(date: Date): string {
  return stamp(date).replace(/Z$/, '');
}

/** A pseudo-random sequence (fixed seed), so every run benchmarks the same feed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

export function generateFeed(events: number): string {
  const next = random(events);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//hanvisa//bench//EN',
    'METHOD:PUBLISH',
    ...VTIMEZONE,
  ];
  const zone = 'TZID=W. Europe Standard Time';
  const base = Date.parse('2025-04-01T00:00:00Z');
  let written = 0;
  let index = 0;
  while (written < events) {
    index++;
    const isSeries = index % 10 === 0 && events - written >= 3;
    const day = Math.floor(next() * 730);
    const hour = 7 + Math.floor(next() * 9);
    const start = new Date(base + day * 86_400_000 + hour * 3_600_000);
    const end = new Date(start.getTime() + (30 + Math.floor(next() * 4) * 30) * 60_000);
    const summary = CODES[index % CODES.length];
    const common = [
      `UID:bench-${index}@hanvisa.test`,
      `SUMMARY:${summary}`,
      `DTSTAMP:${stamp(new Date(base))}`,
      `CREATED:${stamp(new Date(base - 86_400_000))}`,
      `LAST-MODIFIED:${stamp(new Date(base))}`,
      'DESCRIPTION:Agenda: genomgång av läget\\, frågor och övrigt.',
      'LOCATION:Stadshuset\\, rum 2',
      'ORGANIZER;CN=Anna Andersson:mailto:anna.andersson@vara.se',
      'X-MICROSOFT-CDO-BUSYSTATUS:BUSY',
      'TRANSP:OPAQUE',
    ];
    lines.push('BEGIN:VEVENT', ...common, `DTSTART;${zone}:${local(start)}`, `DTEND;${zone}:${local(end)}`);
    if (isSeries) lines.push('RRULE:FREQ=WEEKLY;INTERVAL=1');
    lines.push('END:VEVENT');
    written++;
    if (isSeries) {
      // One instance moved by an hour, one cancelled: exceptions of the series above.
      for (const [weeks, status] of [
        [3, 'CONFIRMED'],
        [5, 'CANCELLED'],
      ] as const) {
        const rid = new Date(start.getTime() + weeks * 7 * 86_400_000);
        const moved = new Date(rid.getTime() + 3_600_000);
        const movedEnd = new Date(moved.getTime() + (end.getTime() - start.getTime()));
        lines.push(
          'BEGIN:VEVENT',
          ...common,
          `RECURRENCE-ID;${zone}:${local(rid)}`,
          `DTSTART;${zone}:${local(moved)}`,
          `DTEND;${zone}:${local(movedEnd)}`,
          `STATUS:${status}`,
          'END:VEVENT',
        );
        written++;
      }
    }
  }
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}
