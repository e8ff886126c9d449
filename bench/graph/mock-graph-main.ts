import { startMockGraph } from './mock-graph-server.js';

/**
 * The mock Graph in its own process (forked by the benchmark), so its work does not share the
 * syncing process's event loop or count towards its memory. Talks over the IPC channel:
 * `{ start: options }` → `{ started: { authorityHost, baseUrl } }`, `{ change: share }`,
 * `{ stats: true }`, `{ reset: true }`; every request gets `{ reply, stats }`.
 */
type Message = {
  id: number;
  start?: Parameters<typeof startMockGraph>[0];
  change?: number;
  stats?: true;
  reset?: true;
};

let mock: Awaited<ReturnType<typeof startMockGraph>> | null = null;

process.on('message', async (message: Message) => {
  let reply: unknown = null;
  if (message.start !== undefined) {
    await mock?.close();
    mock = await startMockGraph(message.start);
    reply = { authorityHost: mock.authorityHost, baseUrl: mock.baseUrl };
  } else if (message.change !== undefined) {
    reply = mock?.change(message.change) ?? 0;
  } else if (message.reset) {
    mock?.resetStats();
  }
  process.send?.({ id: message.id, reply, stats: mock?.stats ?? null });
});

process.on('disconnect', () => {
  void mock?.close().finally(() => process.exit(0));
});
