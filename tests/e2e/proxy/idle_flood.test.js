// 20,000 idle TCP connections against walcastd's connection cap (docs/protection.md "Connections
// and descriptors"): with --max-connections 2000, connections that never send a byte take places
// only until a newer connection needs one (the oldest idle is reclaimed), so the cap holds,
// /health still answers, and a REST request through the trusted nginx is still served.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { request } from '../lib/https_client.js';
import { Nginx } from '../lib/nginx.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const kConnections = 20000;
const kCap = 2000;
// Ten source addresses, 2,000 connections each: far from any address's ephemeral ports.
const kSources = Array.from({ length: 10 }, (_, i) => `127.0.0.${10 + i}`);
const kBatch = 1000;  // connects in flight at once, within the listen backlog (4096 here)
// Our side holds at most this many at once: walcastd closes the ones it reclaims, so the flood
// goes on as fast as it makes room, within half the usual hard descriptor limit (20,000), which
// a root without CAP_SYS_RESOURCE (a container) cannot raise.
const kMostOpen = 10000;

// The soft RLIMIT_NOFILE of this process (node has no getrlimit).
function openFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((text) => text.startsWith('Max open files'));
  const soft = line.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

// Connections that send nothing, and which of them are still open (walcastd closes the ones it
// reclaims; the test closes the rest at the end).
class IdleFlood {
  constructor(port) {
    this.port = port;
    this.open = new Set();
    this.opened = 0;
    this.closedByPeer = 0;
  }

  // Resolves once connected.
  connect(localAddress) {
    const socket = net.connect({ port: this.port, host: '127.0.0.1', localAddress });
    let connected = false;
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        connected = true;
        this.opened += 1;
        this.open.add(socket);
        socket.once('close', () => {
          if (this.open.delete(socket)) this.closedByPeer += 1;
        });
        resolve();
      });
      socket.on('error', (error) => {
        if (!connected) reject(new Error(`connect from ${localAddress}: ${error.message}`));
        // later: a reset by walcastd is one way of being closed, counted by 'close'
      });
    });
  }

  // Opens `count` connections in batches, waiting for walcastd to make room (by closing older
  // ones) before our side would hold more than kMostOpen.
  async run(count) {
    for (let i = 0; i < count; i += kBatch) {
      await eventually(() => assert.ok(this.open.size + kBatch <= kMostOpen,
        `${this.open.size} of ours still open after ${this.opened}: walcastd makes no room for new ones`),
      { timeoutMs: 60000, intervalMs: 20 });
      const size = Math.min(kBatch, count - i);
      await Promise.all(Array.from({ length: size }, (_, k) => this.connect(kSources[(i + k) % kSources.length])));
    }
  }

  close() {
    const sockets = [...this.open];
    this.open.clear();
    for (const socket of sockets) socket.destroy();
  }
}

// Prometheus text → {name: value} for the unlabelled samples.
function parseMetrics(text) {
  const values = {};
  for (const [, name, value] of text.matchAll(/^([a-z_]+) (\S+)$/gm)) values[name] = Number(value);
  return values;
}

const db = createOrdersDatabase('proxy_idle_flood');
// --read-timeout 600: idle connections leave only to make room at the cap, never because they
// timed out, so the cap alone is what is tested and the counts below are exact.
const daemon = new Daemon(db, [
  '--max-connections', String(kCap), '--read-timeout', '600', '--trusted-proxies', '127.0.0.1/32',
]);

describe(`${kConnections} idle connections against --max-connections ${kCap}`, { timeout: 240000 }, () => {
  let nginx;
  let flood;

  before(async () => {
    const limit = openFileLimit();
    assert.ok(limit >= kMostOpen + 1000, `this process may open ${limit} files; the flood needs ${kMostOpen + 1000}`);
    await daemon.start();
    nginx = await new Nginx(daemon.port).start();
    flood = new IdleFlood(daemon.port);
  });

  after(async () => {
    flood?.close();
    await nginx?.stop();
    await stopDaemon(daemon);
  });

  test('the cap holds, idle connections are reclaimed, and /health and REST through nginx are served', async () => {
    await flood.run(kConnections);
    assert.equal(flood.opened, kConnections);

    // Connected is not yet accepted: wait until walcastd has taken in the whole backlog, i.e.
    // made room for every connection beyond the cap.
    // A fresh connection each time (a kept-alive one could be the idle connection reclaimed).
    const metrics = async () => parseMetrics((await request(`${daemon.url}/metrics`)).body);
    let last;
    await eventually(async () => {
      last = await metrics();
      const made = last.walcast_connections_reclaimed_total + last.walcast_connections_refused_total;
      assert.ok(made >= kConnections - kCap, `reclaimed + refused ${made} of at least ${kConnections - kCap}`);
    }, { timeoutMs: 120000, intervalMs: 500 });
    assert.equal(last.walcast_connections_max, kCap);
    assert.ok(last.walcast_connections <= last.walcast_connections_max,
      `walcast_connections ${last.walcast_connections} > walcast_connections_max ${last.walcast_connections_max}`);
    // Idle connections are reclaimed, never refused (a refusal is for a cap of busy ones).
    assert.equal(last.walcast_connections_refused_total, 0);
    await eventually(() => assert.ok(flood.closedByPeer >= kConnections - kCap,
      `walcastd closed ${flood.closedByPeer} of our connections, at least ${kConnections - kCap} expected`));

    const health = await request(`${daemon.url}/health`, { timeoutMs: 10000 });
    assert.equal(health.status, 200, health.body);
    assert.equal(health.json.status, 'ok');

    const orders = await request(`${nginx.origin}/api/orders`, { ca: nginx.ca, localAddress: '127.0.0.2', timeoutMs: 10000 });
    assert.equal(orders.status, 200, orders.body);
    assert.equal(orders.json.success, true);

    const end = await metrics();
    assert.ok(end.walcast_connections <= end.walcast_connections_max, `at the end: ${end.walcast_connections}`);
  });
});
