/** One line per event on stdout, with a timestamp: the worker's log for operators and tests. */
export function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} worker[${process.pid}] ${message}\n`);
}
