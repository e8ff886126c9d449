import type { JobQueue } from '../jobs/job-kind.js';

/** A health answer: `ok` false names what is wrong (no addresses, no secrets, nothing personal). */
export interface HealthStatus {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

/** What a runtime hands the HTTP service: its health probes and how work is enqueued. */
export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  /** Liveness of this process (GET /healthz): the runtime knows whether it makes progress. */
  readonly liveness: () => Promise<HealthStatus>;
  /** Readiness beyond the register and state (e.g. Redis for the queues). */
  readonly readiness?: () => Promise<HealthStatus>;
  readonly jobs: JobQueue;
}

/**
 * Port: the one HTTP service of `hanvisa start`, the same in both runtimes (health, metrics,
 * the register API, and what later routes add). `generatedToken` is set when no credential was
 * configured on a loopback listener: a random API token made for this run, for the person at
 * this machine (printed once, like Jupyter's link).
 */
export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly generatedToken: string | null;
  close(): Promise<void>;
}
