import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './sample-config.js';

/** A real `hanvisa start` process, as a user or an orchestrator runs it. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (or stderr), rejects when the process exits first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  /** The exit code (null when killed by a signal), once the process ended. */
  exited: Promise<number | null>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `hanvisa start ARGS` with the given environment (REDIS_URL empty unless set). */
export function startService(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/hanvisa.js'), 'start', ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', HANVISA_API_TOKENS: '', HANVISA_SINK_TOKEN: '', ...env },
  });
  const output = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const listener of listeners) listener();
  });
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout') =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output[stream].match(pattern);
        if (match !== null) {
          listeners.delete(check);
          resolve(match);
        } else if (done) {
          listeners.delete(check);
          reject(
            new Error(
              `hanvisa start exited before ${pattern}:\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
            ),
          );
        }
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    waitFor,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** Where the service listens and the token it printed (a loopback run without configured tokens). */
export async function servedAt(service: ServiceProcess): Promise<{ url: string; token: string }> {
  const url = (await service.waitFor(/serving (http:\/\/\S+)/))[1] as string;
  const token = (await service.waitFor(/API token for this run \(loopback only\): (\S+)/))[1] as string;
  return { url, token };
}

/** Where the service listens (a run with configured tokens prints none). */
export async function servedUrl(service: ServiceProcess): Promise<string> {
  return (await service.waitFor(/serving (http:\/\/\S+)/))[1] as string;
}
