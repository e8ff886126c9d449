import { startMockGraph } from '../graph/mock-graph-server.js';

/**
 * The mock Graph in its own process for bench/push, so its callbacks do not share hanvisa's
 * event loop. IPC: `{ start }` → `{ baseUrl }`; `{ addEvents: { indices, start, end, notify } }`
 * changes those generated mailboxes (and, with notify, Graph posts a change notification for
 * each); `{ counts: n }` → per-mailbox delta and subscription requests; `{ reset: true }`.
 */
type Message = {
  id: number;
  start?: Parameters<typeof startMockGraph>[0];
  addEvents?: { indices: number[]; start: number; end: number; notify: boolean };
  counts?: number;
  reset?: true;
};

let mock: Awaited<ReturnType<typeof startMockGraph>> | null = null;

process.on('message', async (message: Message) => {
  let reply: unknown = null;
  if (message.start !== undefined) {
    await mock?.close();
    mock = await startMockGraph(message.start);
    reply = { baseUrl: mock.baseUrl };
  } else if (message.addEvents !== undefined && mock !== null) {
    const { indices, start, end, notify } = message.addEvents;
    for (const index of indices) {
      void mock.addEvent(`u${index}@bench.example`, { subject: 'MÖT: Ändrat', start, end }, { notify });
    }
  } else if (message.counts !== undefined && mock !== null) {
    const current = mock;
    reply = {
      delta: Array.from({ length: message.counts }, (_, index) =>
        current.deltaRequests(`u${index}@bench.example`),
      ),
      subscription: Array.from({ length: message.counts }, (_, index) =>
        current.subscriptionRequests(`u${index}@bench.example`),
      ),
      live: current.subscriptions().length,
    };
  } else if (message.reset) {
    mock?.resetStats();
  }
  process.send?.({ id: message.id, reply, stats: mock?.stats ?? null });
});

process.on('disconnect', () => {
  void mock?.close().finally(() => process.exit(0));
});
