// The rate limit and the per-address stream cap behind nginx (deploy/nginx/walcast.conf), per real
// client (docs/protection.md). walcastd runs with --rate-limit 2 (burst 4) and
// --max-connections-per-ip 2. Client A reaches nginx from 127.0.0.2, client B from 127.0.0.3.
// Without --trusted-proxies both arrive from nginx's 127.0.0.1 and share one budget; with
// --trusted-proxies 127.0.0.1/32 each has its own, and neither a forged X-Forwarded-For sent
// through nginx nor one sent straight to walcastd buys a fresh budget.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { SseClient, request } from '../lib/https_client.js';
import { Nginx } from '../lib/nginx.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const kClientA = '127.0.0.2';
const kClientB = '127.0.0.3';
const kBurst = 4;  // 2 × --rate-limit
const kStreamsPerAddress = 2;
const kLimits = ['--rate-limit', '2', '--max-connections-per-ip', String(kStreamsPerAddress)];
// Far more than a burst plus what refills while they are sent: a budget that never runs out
// within this many requests was not the client's own.
const kMaxTries = 20;
const kRestPath = '/api/orders?limit=1';

// walcastd and nginx for one describe block; `flags` are walcastd's besides the limits.
function proxiedDaemon(name, flags) {
  const setup = { daemon: null, nginx: null };
  before(async () => {
    setup.daemon = new Daemon(createOrdersDatabase(name), [...kLimits, ...flags]);
    await setup.daemon.start();
    setup.nginx = await new Nginx(setup.daemon.port).start();
  });
  after(async () => {
    await setup.nginx?.stop();
    await stopDaemon(setup.daemon);
  });
  return setup;
}

// A REST request through nginx from `client`'s address.
function viaProxy(setup, client, headers = {}) {
  return request(`${setup.nginx.origin}${kRestPath}`, { ca: setup.nginx.ca, localAddress: client, headers });
}

// Sends requests (send(i) for the i-th) one at a time until one gets 429; returns how many passed
// before it. Anything but 200 or 429 fails, and so does a budget that lasts kMaxTries requests.
async function untilLimited(send, label) {
  for (let i = 0; i < kMaxTries; i += 1) {
    const { status, headers, body } = await send(i);
    if (status === 429) {
      assert.ok(Number(headers['retry-after']) >= 1, `${label}: 429 without Retry-After`);
      return i;
    }
    assert.equal(status, 200, `${label}: ${body}`);
  }
  return assert.fail(`${label}: ${kMaxTries} requests and never 429: the budget was not this client's`);
}

// `count` requests at once (send(i) for the i-th); their statuses.
async function burst(count, send) {
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => send(i)));
  return responses.map((response) => response.status);
}

// Opens SSE streams through nginx from `client`'s address; their statuses. The streams stay open
// (pushed to `open`) so they hold their places in the cap.
async function openStreams(setup, client, count, open) {
  const statuses = [];
  for (let i = 0; i < count; i += 1) {
    const stream = new SseClient(`${setup.nginx.origin}/api/events`, { ca: setup.nginx.ca, localAddress: client });
    open.push(stream);
    statuses.push((await stream.opened).status);
  }
  return statuses;
}

describe('behind nginx without --trusted-proxies, every client shares the proxy\'s budget', () => {
  const setup = proxiedDaemon('proxy_rate_shared', []);

  test('A exhausting the rate limit gets B limited too', async () => {
    await untilLimited(() => viaProxy(setup, kClientA), 'A');
    const statuses = await burst(kBurst, () => viaProxy(setup, kClientB));
    assert.ok(statuses.includes(429), `B shares A's bucket: ${statuses}`);
  });

  test('A holding the stream cap leaves B no stream', async () => {
    const open = [];
    try {
      assert.deepEqual(await openStreams(setup, kClientA, kStreamsPerAddress, open), [200, 200]);
      assert.deepEqual(await openStreams(setup, kClientB, 1, open), [429]);
    } finally {
      for (const stream of open) stream.close();
    }
  });
});

describe('behind nginx with --trusted-proxies 127.0.0.1/32, each client has its own budget', () => {
  const setup = proxiedDaemon('proxy_rate_trusted', ['--trusted-proxies', '127.0.0.1/32']);

  test('A exhausting the rate limit leaves B its whole burst', async () => {
    const passed = await untilLimited(() => viaProxy(setup, kClientA), 'A');
    assert.ok(passed >= kBurst, `A had its own burst of ${kBurst}: ${passed} passed`);
    assert.deepEqual(await burst(kBurst, () => viaProxy(setup, kClientB)), Array(kBurst).fill(200), 'B');
  });

  test('a forged X-Forwarded-For or Forwarded sent by A through nginx buys no fresh budget', async () => {
    // nginx appends A's address to A's X-Forwarded-For; walcastd must take that right-most hop.
    // A different forged address each time: one honoured would be a fresh bucket each time.
    await untilLimited((i) => viaProxy(setup, kClientA, i % 2 === 0
      ? { 'x-forwarded-for': `203.0.113.${9 + i}` }
      : { forwarded: `for=203.0.113.${9 + i}` }), 'A forging through nginx');
  });

  test('forwarding headers sent straight to walcastd, not from a trusted proxy, are ignored', async () => {
    // From 127.0.0.2, the address A's requests through nginx were counted on: the budget is
    // still spent, whatever the headers claim.
    const direct = (i) => request(`${setup.daemon.url}${kRestPath}`, {
      localAddress: kClientA,
      headers: i % 2 === 0 ? { 'x-forwarded-for': `198.51.100.${7 + i}` } : { forwarded: `for=198.51.100.${7 + i}` },
    });
    await untilLimited(direct, 'A forging straight to walcastd');
    // And a fresh direct address is limited after its own burst, not per forged address.
    const fresh = (i) => request(`${setup.daemon.url}${kRestPath}`, {
      localAddress: '127.0.0.4', headers: { 'x-forwarded-for': `198.51.100.${100 + i}` },
    });
    const passed = await untilLimited(fresh, '127.0.0.4 forging straight to walcastd');
    assert.ok(passed >= kBurst, `127.0.0.4 had its own burst: ${passed} passed`);
  });

  test('the stream cap counts A and B apart', async () => {
    const open = [];
    try {
      assert.deepEqual(await openStreams(setup, kClientA, kStreamsPerAddress + 1, open), [200, 200, 429], 'A');
      assert.deepEqual(await openStreams(setup, kClientB, 1, open), [200], 'B');
      // The log names the client, not only the proxy it came through.
      await eventually(() => assert.match(setup.daemon.log(), /sse .*peer=127\.0\.0\.3\b/));
    } finally {
      for (const stream of open) stream.close();
    }
  });
});
