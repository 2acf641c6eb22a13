// Debian's nginx as a child process in front of a walcastd, configured with the shipped recipe
// (deploy/nginx/walcast.conf): the file is read and only its ports, certificate and log paths are
// rewritten, so the tests exercise what operators install. TLS uses a self-signed certificate for
// 127.0.0.1 made with the openssl CLI at start; clients trust it by passing `ca`.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { sourceDir } from './paths.js';

export const nginxPath = process.env.WALCAST_NGINX || '/usr/sbin/nginx';
export const recipePath = path.join(sourceDir, 'deploy/nginx/walcast.conf');

// A port nobody listens on now (nginx cannot report a port the kernel picked).
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A key and a self-signed certificate valid for the IP address 127.0.0.1 (node checks the
// subjectAltName against the address it connects to).
function makeCertificate(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { cert, key };
}

// Replaces `pattern` in `text`, asserting it matched exactly `count` times: a recipe that changed
// shape fails here instead of being tested half-rewritten.
function replaceExactly(text, pattern, replacement, count = 1) {
  const matches = text.match(new RegExp(pattern.source, 'gm')) || [];
  assert.equal(matches.length, count, `deploy/nginx/walcast.conf: expected ${count} × ${pattern}, found ${matches.length}`);
  return text.replace(new RegExp(pattern.source, 'gm'), replacement);
}

// The recipe with this run's upstream port, listen ports (127.0.0.1 only; the IPv6 listens are
// dropped), certificate and logs. Everything else is kept byte for byte.
export function rewriteRecipe(recipe, { upstreamPort, tlsPort, httpPort, cert, key, dir }) {
  let text = recipe;
  text = replaceExactly(text, /^(\s*server\s+)127\.0\.0\.1:3001;/, `$1127.0.0.1:${upstreamPort};`);
  text = replaceExactly(text, /^(\s*listen\s+)443 /, `$1127.0.0.1:${tlsPort} `);
  text = replaceExactly(text, /^(\s*listen\s+)80;/, `$1127.0.0.1:${httpPort};`);
  text = replaceExactly(text, /^\s*listen\s+\[::\]:\d+.*\n/, '', 2);
  text = replaceExactly(text, /^(\s*ssl_certificate\s+)\S+;/, `$1${cert};`);
  text = replaceExactly(text, /^(\s*ssl_certificate_key\s+)\S+;/, `$1${key};`);
  text = replaceExactly(text, /^(\s*access_log\s+)\/var\/log\/nginx\/\S+;/, `$1${path.join(dir, 'access.log')};`);
  text = replaceExactly(text, /^(\s*error_log\s+)\/var\/log\/nginx\/\S+;/, `$1${path.join(dir, 'error.log')} info;`);
  return text;
}

// The main configuration around the recipe: what /etc/nginx/nginx.conf provides on Debian, with
// every path in the throwaway dir (Debian's build would write under /var/lib/nginx otherwise).
function mainConfig(dir, sitePath) {
  // As root the master runs its workers as `user` (nobody by default, www-data in Debian's
  // nginx.conf), which could not enter the 0700 dir holding the temp files: here they stay root.
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${path.join(dir, kind)};`).join('\n  ');
  return `${user}
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} info;
events { worker_connections 1024; }
http {
  ${temp}
  access_log ${path.join(dir, 'access.log')};
  include ${sitePath};
}
`;
}

export class Nginx {
  // upstreamPort: walcastd's port.
  constructor(upstreamPort) {
    this.upstreamPort = upstreamPort;
    const scratch = process.env.WALCAST_TEST_TMPDIR || os.tmpdir();
    this.dir = mkdtempSync(path.join(scratch, 'nginx-'));
    this.child = null;
  }

  get origin() {
    return `https://127.0.0.1:${this.tlsPort}`;
  }

  get httpOrigin() {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  log() {
    const read = (name) => {
      try {
        return readFileSync(path.join(this.dir, name), 'utf8');
      } catch {
        return '';
      }
    };
    return read('error.log') + this.stderr;
  }

  // Writes the configuration, starts nginx in the foreground and waits until it accepts.
  async start() {
    const { cert, key } = makeCertificate(this.dir);
    this.ca = readFileSync(cert);
    this.tlsPort = await freePort();
    this.httpPort = await freePort();
    const site = rewriteRecipe(readFileSync(recipePath, 'utf8'), {
      upstreamPort: this.upstreamPort, tlsPort: this.tlsPort, httpPort: this.httpPort, cert, key, dir: this.dir,
    });
    const sitePath = path.join(this.dir, 'walcast.conf');
    writeFileSync(sitePath, site);
    const confPath = path.join(this.dir, 'nginx.conf');
    writeFileSync(confPath, mainConfig(this.dir, sitePath));

    // -e: the error log before the configuration is read (else Debian's /var/log/nginx/error.log).
    this.stderr = '';
    this.child = spawn(nginxPath, ['-p', this.dir, '-c', confPath, '-e', path.join(this.dir, 'error.log'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr.on('data', (data) => { this.stderr += data; });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    // SIGTERM, not SIGKILL: the master then stops its workers, which SIGKILL would orphan.
    const child = this.child;
    process.once('exit', () => child.kill('SIGTERM'));
    await this.accepting();
    return this;
  }

  async accepting() {
    const deadline = Date.now() + 10000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`nginx exited:\n${this.log()}`);
      if (await canConnect(this.tlsPort)) return;
      if (Date.now() > deadline) throw new Error(`nginx did not listen on ${this.tlsPort}:\n${this.log()}`);
      await sleep(50);
    }
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited, sleep(10000, null, { ref: false })]);
    if (stopped === null) this.child.kill('SIGKILL');
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
