// walcastd as a child process of a browser test, like tests/harness/daemon_process: its output
// goes to a log file, the port comes from its "listening on http://HOST:PORT" line, and /health
// says when the change stream is up. Restarts reuse the port so an open page can reconnect.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { binaryDir, sourceDir } from './paths.js';

// Variables the daemon reads: the test's own environment must not configure it by accident.
const kDaemonVariables = /^(WALCAST_(?!TEST_)|DB_|PORT$|DATABASE_URL$|NOTIFY_SOCKET$|WATCHDOG_)/;

export class Daemon {
  // database: {name, conninfo} from createOrdersDatabase; extra: more walcastd flags.
  constructor(database, extra = []) {
    this.database = database;
    this.extra = extra;
    this.port = 0;
    this.child = null;
    const scratch = process.env.WALCAST_TEST_TMPDIR || os.tmpdir();
    this.dir = mkdtempSync(path.join(scratch, `walcastd-${database.name}-`));
    this.runs = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get logPath() {
    return path.join(this.dir, `walcastd-${this.runs}.log`);
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  // Starts walcastd (on the port of the previous run, if any) and waits until it streams.
  async start() {
    this.runs += 1;
    const args = [
      '--host', '127.0.0.1', '--port', String(this.port), '--db-url', this.database.conninfo,
      '--slot', this.database.name, '--source', 'replication',
      '--web-root', path.join(sourceDir, 'web'), ...this.extra,
    ];
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !kDaemonVariables.test(key)));
    const out = openSync(this.logPath, 'w');
    this.child = spawn(path.join(binaryDir, 'bin/walcastd'), args, { env, cwd: this.dir, stdio: ['ignore', out, out] });
    this.exitExpected = false;
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      // A daemon that dies under a test says why here: the scratch directory with its log is
      // gone once the run ends.
      if (!this.exitExpected) {
        process.stderr.write(`walcastd exited unexpectedly (code ${code}, signal ${signal}); the end of its log:\n` +
          `${this.log().slice(-20000)}\n`);
      }
      resolve({ code, signal });
    }));
    // Never outlive the test process, whatever ends it.
    const child = this.child;
    process.once('exit', () => child.kill('SIGKILL'));
    const deadline = Date.now() + 60000;
    while (!this.port || !(await this.streaming())) {
      if (Date.now() > deadline) throw new Error(`walcastd did not start streaming:\n${this.log()}`);
      if (this.child.exitCode !== null) throw new Error(`walcastd exited:\n${this.log()}`);
      if (!this.port) {
        const match = this.log().match(/listening on http:\/\/[^\s:]+:(\d+)/);
        if (match) this.port = Number(match[1]);
      }
      await sleep(50);
    }
  }

  async streaming() {
    if (!this.port) return false;
    try {
      const response = await fetch(`${this.url}/health`);
      const body = await response.json();
      return response.status === 200 && body.stream === 'up';
    } catch {
      return false;
    }
  }

  // As after a crash: SIGKILL, no goodbye to clients, no final status to the slot.
  async kill() {
    if (!this.child || this.child.exitCode !== null) return;
    this.exitExpected = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.exitExpected = true;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited, sleep(10000, null, { ref: false })]);
    if (!stopped) await this.kill();
  }
}
