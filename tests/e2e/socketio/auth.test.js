// Socket.IO with --stream-token (docs/contract.md §7): the token comes in the CONNECT auth payload
// ({token}) or an `Authorization: Bearer` header; without it, or with a wrong one, the CONNECT is
// refused with CONNECT_ERROR "Authentication required", which socket.io-client reports as a
// connect_error and does not retry.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { Client, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const kToken = 's3cret token/+=';  // characters that must survive JSON and a header
const db = createOrdersDatabase('sio_auth');
const daemon = new Daemon(db, ['--stream-token', kToken]);
await daemon.start();

const kTransports = [['websocket'], ['polling'], ['websocket', 'polling']];

function specs(options) {
  const all = [];
  for (const version of ['4.8', '4.7']) {
    for (const transports of kTransports) all.push({ version, transports, ...options });
  }
  return all;
}

describe('Socket.IO with a stream token', () => {
  const clients = [];
  const open = (spec) => {
    const client = new Client(daemon.url, spec);
    clients.push(client);
    return client;
  };

  after(async () => {
    for (const client of clients) client.close();
    await stopDaemon(daemon);
  });

  for (const [what, options] of [
    ['without a token', {}],
    ['with a wrong token in auth', { auth: { token: 'wrong' } }],
    ['with an empty token in auth', { auth: { token: '' } }],
    ['with a wrong Authorization header', { extraHeaders: { Authorization: 'Bearer wrong' } }],
  ]) {
    test(`refused ${what}: connect_error "Authentication required", no retry`, async () => {
      const refused = specs(options).map(open);
      await eventually(() => {
        for (const client of refused) assert.ok(client.errors.length > 0, `${client.label}: no connect_error`);
      });
      for (const client of refused) {
        // A CONNECT_ERROR packet, not a failed transport (which would say e.g. "websocket error"
        // and leave the socket active, retrying).
        assert.equal(client.errors[0].message, 'Authentication required', client.label);
        assert.equal(client.socket.active, false, `${client.label} gives up`);
        assert.equal(client.connects.length, 0, client.label);
        assert.equal(client.named('welcome').length, 0, client.label);
        client.close();
      }
    });
  }

  test('accepted with the token in auth or in an Authorization header; both then stream', async () => {
    const accepted = [
      ...specs({ auth: { token: kToken } }),
      ...specs({ extraHeaders: { Authorization: `Bearer ${kToken}` } }),
    ].map(open);
    await Promise.all(accepted.map((client) => client.connected()));
    for (const client of accepted) {
      await eventually(() => assert.equal(client.named('welcome').length, 1, client.label));
    }
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('Authorized', 'Key');");
    await Promise.all(accepted.map((client) => client.received('Authorized')));
    for (const client of accepted) {
      assert.equal(client.globalChanges().length, 1, client.label);
      assert.deepEqual(client.errors, [], client.label);
    }
  });

  test('a refused client never sees a change', async () => {
    const refused = open({ version: '4.8', transports: ['websocket'] });
    const watcher = open({ version: '4.8', transports: ['websocket'], auth: { token: kToken } });
    await watcher.connected();
    await eventually(() => assert.ok(refused.errors.length > 0));
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('Not For Strangers', 'Key');");
    await watcher.received('Not For Strangers');
    assert.deepEqual(refused.events, []);
  });
});
