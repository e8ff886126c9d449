import type { Instant } from '../../../domain/occurrence.js';
import type { ReferralEntry } from '../../../domain/referral-entry.js';
import type { PageEmployee } from './page-deps.js';
import { ZoneClock } from './page-time.js';

/** What the switchboard sees of one referral: label, mode and times; never a subject. */
export interface BoardEntry {
  readonly label: string;
  readonly mode: 'referred' | 'infoOnly';
  readonly start: Instant;
  readonly end: Instant;
}

/** One person on the board now. */
export interface BoardPerson {
  readonly id: string;
  readonly name: string;
  readonly extension: string;
  readonly unit: string | null;
  /** `away` (calls are referred), `info` (information only, calls ring), `available`. */
  readonly state: 'away' | 'info' | 'available';
  /** "Möte, åter 14.30" (away, or information only: see `state`), or "Tillgänglig". */
  readonly now: string;
  /** What is next today: "Lunch 12.00–13.00", or null. */
  readonly next: string | null;
  /** The rest of today and the coming days, for the details. */
  readonly later: readonly string[];
}

export interface BoardAnswer {
  readonly query: string;
  readonly total: number;
  readonly shown: number;
  readonly people: readonly BoardPerson[];
  /** Changes when the register does: the board reloads its results on a new version. */
  readonly version: string;
}

interface Kept {
  readonly employee: string;
  readonly calendar: string;
  readonly contentHash: string;
  readonly shown: BoardEntry;
}

interface Indexed {
  readonly employee: PageEmployee;
  /** Folded name and unit words, for matching. */
  readonly words: string;
  readonly nameFolded: string;
  readonly digits: string;
}

/** Lower case, no diacritics (ö → o, å → a), spaces collapsed: "Östlund" is found by "ostl". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The switchboard's search over the directory and the register, in memory: the directory is
 * folded once, the register's entries are grouped per employee when the register changes, and
 * a search is one pass of substring tests (10,000 people answer in well under a millisecond
 * per term). Nothing here holds a subject: entries carry label and times only.
 */
export class BoardIndex {
  private readonly people: Indexed[];
  private byEmployee = new Map<string, BoardEntry[]>();
  /** id → what the board keeps of an entry, with its employee, calendar and content hash. */
  private readonly entries = new Map<string, Kept>();
  private readonly byCalendar = new Map<string, Set<string>>();
  private changes = 0;
  private readonly epoch = Date.now().toString(36);

  private readonly clock: ZoneClock;

  constructor(employees: Iterable<PageEmployee>, timeZone: string) {
    this.clock = new ZoneClock(timeZone);
    this.people = [...employees]
      .map((employee) => ({
        employee,
        words: fold(`${employee.name} ${employee.unit ?? ''}`),
        nameFolded: fold(employee.name),
        digits: employee.extension.replace(/\D/g, ''),
      }))
      .sort((a, b) => a.employee.name.localeCompare(b.employee.name, 'sv'));
  }

  /** Changes whenever what the board shows changes (a board reloads its results on a new one). */
  get version(): string {
    return `${this.epoch}-${this.changes}`;
  }

  private keep(entry: ReferralEntry): void {
    this.entries.set(entry.id, {
      employee: entry.employee,
      calendar: entry.sourceRef.calendar,
      contentHash: entry.contentHash,
      shown: { label: entry.label, mode: entry.mode, start: entry.start, end: entry.end },
    });
    let ids = this.byCalendar.get(entry.sourceRef.calendar);
    if (ids === undefined) {
      ids = new Set();
      this.byCalendar.set(entry.sourceRef.calendar, ids);
    }
    ids.add(entry.id);
  }

  private forget(id: string): Kept | undefined {
    const kept = this.entries.get(id);
    if (kept === undefined) return undefined;
    this.entries.delete(id);
    this.byCalendar.get(kept.calendar)?.delete(id);
    return kept;
  }

  private regroup(employees: Iterable<string> | null): void {
    const rebuild = employees === null ? null : new Set(employees);
    const grouped = rebuild === null ? new Map<string, BoardEntry[]>() : this.byEmployee;
    if (rebuild !== null) for (const employee of rebuild) grouped.delete(employee);
    for (const kept of this.entries.values()) {
      if (rebuild !== null && !rebuild.has(kept.employee)) continue;
      let list = grouped.get(kept.employee);
      if (list === undefined) {
        list = [];
        grouped.set(kept.employee, list);
      }
      list.push(kept.shown);
    }
    for (const [employee, list] of grouped) {
      if (rebuild === null || rebuild.has(employee)) list.sort((a, b) => a.start - b.start || a.end - b.end);
    }
    this.byEmployee = grouped;
  }

  /** Replaces the whole register; returns whether anything the board shows changed. */
  setEntries(entries: readonly ReferralEntry[]): boolean {
    let changed = entries.length !== this.entries.size;
    const ids = new Set<string>();
    for (const entry of entries) {
      ids.add(entry.id);
      if (!changed && this.entries.get(entry.id)?.contentHash !== entry.contentHash) changed = true;
    }
    if (!changed) return false;
    this.entries.clear();
    this.byCalendar.clear();
    for (const entry of entries) this.keep(entry);
    this.regroup(null);
    this.changes++;
    return true;
  }

  /** Replaces one calendar's entries (after that calendar synced); returns whether the board changed. */
  setCalendar(calendar: string, entries: readonly ReferralEntry[]): boolean {
    const before = [...(this.byCalendar.get(calendar) ?? [])];
    const affected = new Set<string>();
    let changed = before.length !== entries.length;
    for (const entry of entries) {
      if (!changed && this.entries.get(entry.id)?.contentHash !== entry.contentHash) changed = true;
    }
    if (!changed) return false;
    for (const id of before) {
      const kept = this.forget(id);
      if (kept !== undefined) affected.add(kept.employee);
    }
    for (const entry of entries) {
      const previous = this.forget(entry.id);
      if (previous !== undefined) affected.add(previous.employee);
      this.keep(entry);
      affected.add(entry.employee);
    }
    this.regroup(affected);
    this.changes++;
    return true;
  }

  /**
   * People matching every word of the query in name, unit or extension (digits), best first:
   * name starts with the query, then a word starts with it, then anywhere; then by name.
   */
  search(query: string, now: Instant, limit = 50): BoardAnswer {
    const folded = fold(query);
    const terms = (folded === '' ? [] : folded.split(' ')).map((term) => {
      const digits = term.replace(/\D/g, '');
      return {
        term,
        digits: digits.length > 0 && digits.length === term.replace(/[-\s]/g, '').length ? digits : null,
      };
    });
    const first = terms[0]?.term ?? '';
    // Three ranks, each already in name order (the directory is sorted once): no sort, and no
    // more than `limit` kept per rank however many match.
    const ranked: Indexed[][] = [[], [], []];
    let total = 0;
    for (const item of this.people) {
      let ok = true;
      for (const { term, digits } of terms) {
        if (!item.words.includes(term) && (digits === null || !item.digits.includes(digits))) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      total++;
      const rank =
        terms.length === 0 || item.nameFolded.startsWith(folded)
          ? 0
          : item.words.includes(` ${first}`)
            ? 1
            : 2;
      const bucket = ranked[rank] as Indexed[];
      if (bucket.length < limit) bucket.push(item);
    }
    const shown = ranked
      .flat()
      .slice(0, limit)
      .map((item) => this.person(item.employee, now));
    return { query, total, shown: shown.length, people: shown, version: this.version };
  }

  /** One person's state at `now`. */
  person(employee: PageEmployee, now: Instant): BoardPerson {
    const clock = this.clock;
    const entries = this.byEmployee.get(employee.id) ?? [];
    let referred: BoardEntry | undefined;
    let info: BoardEntry | undefined;
    const upcoming: BoardEntry[] = [];
    for (const entry of entries) {
      if (entry.start <= now && now < entry.end) {
        if (entry.mode === 'referred') referred ??= entry;
        else info ??= entry;
      } else if (entry.start > now) upcoming.push(entry);
    }
    const today = clock.dayKey(now);
    const describe = (entry: BoardEntry) => {
      const day = clock.dayKey(entry.start) === today ? '' : `${clock.date(entry.start, true)}: `;
      const span = clock.span(entry.start, entry.end, { withDate: false, short: true });
      const joiner = /^\d/.test(span) ? ' ' : ', ';
      return `${day}${entry.label}${joiner}${span}${entry.mode === 'infoOnly' ? ' (info)' : ''}`;
    };
    const nextToday =
      upcoming[0] !== undefined && clock.dayKey(upcoming[0].start) === today ? upcoming[0] : undefined;
    const state = referred !== undefined ? 'away' : info !== undefined ? 'info' : 'available';
    const shown = referred ?? info;
    return {
      id: employee.id,
      name: employee.name,
      extension: employee.extension,
      unit: employee.unit ?? null,
      state,
      now: shown === undefined ? 'Tillgänglig' : clock.returnText(shown.label, shown.start, shown.end),
      next: nextToday === undefined ? null : describe(nextToday),
      later: upcoming.slice(0, 8).map(describe),
    };
  }
}
