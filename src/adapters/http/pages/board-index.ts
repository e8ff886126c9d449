import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Instant } from '../../../domain/occurrence.js';
import type { ReferralEntry } from '../../../domain/referral-entry.js';
import { referralText } from '../../../domain/referral-text.js';
import type { PageEmployee } from './page-deps.js';
import { spanText } from './page-time.js';

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

function hhmm(instant: Instant, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat('HH.mm');
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
  private currentVersion = '';

  constructor(
    employees: Iterable<PageEmployee>,
    private readonly timeZone: string,
  ) {
    this.people = [...employees]
      .map((employee) => ({
        employee,
        words: fold(`${employee.name} ${employee.unit ?? ''}`),
        nameFolded: fold(employee.name),
        digits: employee.extension.replace(/\D/g, ''),
      }))
      .sort((a, b) => a.employee.name.localeCompare(b.employee.name, 'sv'));
  }

  get version(): string {
    return this.currentVersion;
  }

  /** Replaces the register's entries; returns whether anything the board shows changed. */
  setEntries(entries: readonly ReferralEntry[]): boolean {
    const hash = createHash('sha1');
    const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const byEmployee = new Map<string, BoardEntry[]>();
    for (const entry of sorted) {
      hash.update(`${entry.id}:${entry.contentHash};`);
      let list = byEmployee.get(entry.employee);
      if (list === undefined) {
        list = [];
        byEmployee.set(entry.employee, list);
      }
      list.push({ label: entry.label, mode: entry.mode, start: entry.start, end: entry.end });
    }
    for (const list of byEmployee.values()) list.sort((a, b) => a.start - b.start || a.end - b.end);
    const version = hash.digest('hex').slice(0, 16);
    this.byEmployee = byEmployee;
    const changed = version !== this.currentVersion;
    this.currentVersion = version;
    return changed;
  }

  /**
   * People matching every word of the query in name, unit or extension (digits), best first:
   * name starts with the query, then a word starts with it, then anywhere; then by name.
   */
  search(query: string, now: Instant, limit = 50): BoardAnswer {
    const folded = fold(query);
    const terms = folded === '' ? [] : folded.split(' ');
    const matches: { item: Indexed; rank: number }[] = [];
    for (const item of this.people) {
      let ok = true;
      for (const term of terms) {
        const digits = term.replace(/\D/g, '');
        const inWords = item.words.includes(term);
        const inDigits =
          digits.length > 0 &&
          digits.length === term.replace(/[-\s]/g, '').length &&
          item.digits.includes(digits);
        if (!inWords && !inDigits) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const rank =
        terms.length === 0 || item.nameFolded.startsWith(folded)
          ? 0
          : item.words.includes(` ${terms[0]}`)
            ? 1
            : 2;
      matches.push({ item, rank });
    }
    if (terms.length > 0) matches.sort((a, b) => a.rank - b.rank);
    const shown = matches.slice(0, limit).map(({ item }) => this.person(item.employee, now));
    return { query, total: matches.length, shown: shown.length, people: shown, version: this.currentVersion };
  }

  /** One person's state at `now`. */
  person(employee: PageEmployee, now: Instant): BoardPerson {
    const zone = this.timeZone;
    const entries = this.byEmployee.get(employee.id) ?? [];
    const current = entries.filter((entry) => entry.start <= now && now < entry.end);
    const referred = current.find((entry) => entry.mode === 'referred');
    const info = current.find((entry) => entry.mode === 'infoOnly');
    const endOfDay = DateTime.fromMillis(now, { zone }).endOf('day').toMillis();
    const upcoming = entries.filter((entry) => entry.start > now);
    const nextToday = upcoming.find((entry) => entry.start <= endOfDay);
    const today = DateTime.fromMillis(now, { zone });
    const describe = (entry: BoardEntry) => {
      const isToday = DateTime.fromMillis(entry.start, { zone }).hasSame(today, 'day');
      const span = spanText(entry.start, entry.end, zone, !isToday);
      return `${entry.label} ${span}${entry.mode === 'infoOnly' ? ' (info)' : ''}`;
    };
    const state = referred !== undefined ? 'away' : info !== undefined ? 'info' : 'available';
    const shown = referred ?? info;
    return {
      id: employee.id,
      name: employee.name,
      extension: employee.extension,
      unit: employee.unit ?? null,
      state,
      now: shown === undefined ? 'Tillgänglig' : referralText(shown.label, shown.start, shown.end, zone),
      next: nextToday === undefined ? null : describe(nextToday),
      later: upcoming.slice(0, 8).map(describe),
    };
  }
}
