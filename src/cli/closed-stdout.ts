/**
 * Ends the process quietly when the reader of stdout goes away (`hanvisa ics expand … | head`):
 * the write fails with EPIPE, which Node otherwise reports as an unhandled 'error' with a stack
 * trace. Nothing is lost: nobody reads the rest. Other stream errors are rethrown. Not for the
 * long-running service, whose stdout is its log.
 */
export function endQuietlyOnClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}
