import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvironment } from '../../src/app/config/environment.js';
import { type HanvisaConfig, loadConfig } from '../../src/app/config/load-config.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_CONFIG = path.join(ROOT, 'config/hanvisa.yaml');

/** The shipped sample config, read with an empty environment. */
export function sampleConfig(): HanvisaConfig {
  return loadConfig(SAMPLE_CONFIG, readEnvironment({}));
}
