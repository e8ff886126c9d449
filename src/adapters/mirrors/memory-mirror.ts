import type { Mirror, MirrorChange, MirrorEntry } from '../../app/ports/mirror.js';
import type { Instant } from '../../domain/occurrence.js';

/**
 * A mirror in memory: the fake for tests and benchmarks. What it shows is the register as the
 * changes told it (entries by id, which are current), applied once per version: a change at or
 * below the version it last applied for that entry is ignored, as a real receiver must.
 * `failures` makes the next deliveries throw, one each; `down` makes every delivery throw.
 */
export class MemoryMirror implements Mirror {
  readonly name: string;
  readonly kind = 'memory';
  readonly receives: 'entries' | 'notices';
  /** Every change received, in order, repeats included. */
  readonly received: MirrorChange[] = [];
  /** Changes applied (repeats left out). */
  readonly applied: MirrorChange[] = [];
  readonly entries = new Map<string, MirrorEntry>();
  readonly current = new Set<string>();
  readonly #versions = new Map<string, number>();
  readonly failures: (() => Error)[] = [];
  down: (() => Error) | null = null;

  constructor(name = 'memory', receives: 'entries' | 'notices' = 'entries') {
    this.name = name;
    this.receives = receives;
  }

  async deliver(change: MirrorChange, _now: Instant): Promise<void> {
    const failure = this.failures.shift() ?? this.down;
    if (failure !== null) throw failure();
    this.received.push(change);
    const seen = this.#versions.get(change.ref) ?? 0;
    if (change.version <= seen) return;
    this.#versions.set(change.ref, change.version);
    this.applied.push(change);
    if (change.entry === null) return;
    if (change.change === 'deleted') {
      this.entries.delete(change.ref);
      this.current.delete(change.ref);
      return;
    }
    this.entries.set(change.ref, change.entry);
    if (change.change === 'current') this.current.add(change.ref);
    if (change.change === 'ended') this.current.delete(change.ref);
  }
}
