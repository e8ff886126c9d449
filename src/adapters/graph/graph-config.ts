import type { HanvisaConfig } from '../../app/config/load-config.js';
import { PermanentError } from '../../domain/errors.js';
import type { GraphSourceOptions } from './graph-source.js';

/**
 * The Graph source's options from the loaded config: the `graph:` section, the organisation's
 * zone and the HANVISA_GRAPH_* secrets the environment reader found. Throws a PermanentError
 * naming the config path when `graph:` calendars exist but the section does not.
 */
export function graphSourceOptions(
  config: Pick<HanvisaConfig, 'graph' | 'timeZone' | 'env' | 'file'>,
): GraphSourceOptions {
  const graph = config.graph;
  if (graph === null || graph === undefined) {
    throw new PermanentError(
      `${config.file}: graph: calendars need a graph: section (tenantId, clientId) and credentials in HANVISA_GRAPH_*`,
    );
  }
  return {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    authorityHost: graph.authorityHost,
    baseUrl: graph.baseUrl,
    maxConcurrency: graph.maxConcurrency,
    maxPageSize: graph.maxPageSize,
    batchSize: graph.batchSize,
    timeZone: config.timeZone,
    credentials: config.env.graph,
  };
}
