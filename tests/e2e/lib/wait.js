// Polling for the browser tests: no assertion on wall-clock time, only generous timeouts.
import { setTimeout as sleep } from 'node:timers/promises';

// Retries `check` (which throws, e.g. an assert, until the condition holds) until it passes or
// `timeoutMs` elapses; then rethrows its last error.
export async function eventually(check, { timeoutMs = 20000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
