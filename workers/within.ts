/**
 * Waits for `work` at most `ms`; true when it finished in time. The timer is cleared as soon as
 * the work is done, so a prompt shutdown is not held open by a pending deadline.
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return (await Promise.race([work.then(() => 'done' as const), deadline])) === 'done';
  } finally {
    clearTimeout(timer);
  }
}
