// Any table over Socket.IO (docs/tables.md, docs/contract.md §4 and §7): walcastd with
// --tables '*' streams three tables of different replica identities (one in another schema)
// beside orders, and the real socket.io-client (4.8 and 4.7, both transports) gets
// `<table>:<op>` / `sales.invoices:<op>` with the table's schema; the CONNECT auth payload
// {tables, filters} and the `subscribe` event narrow a socket as on /ws, including the rule that
// an update moving a row out of a filter is seen; bad filters are answered {error} by subscribe
// (the socket stays) and with a CONNECT_ERROR in the auth payload. Each expectation is read up to
// a marker the socket must receive (a TRUNCATE passes every filter of its table), never by
// waiting a while.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { Client, emitWithAck, kEventId, psqlAsync, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const kTables = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE customers (
  id int PRIMARY KEY, name text, country text, age int, email text, balance numeric(12,2),
  prefs jsonb, tags text[], mood mood, seen_at timestamptz, active boolean);
ALTER TABLE customers REPLICA IDENTITY FULL;
CREATE TABLE products (sku text PRIMARY KEY, title text NOT NULL, price numeric(10,2));
CREATE SCHEMA sales;
CREATE TABLE sales.invoices (id int NOT NULL, number text NOT NULL, total numeric);
CREATE UNIQUE INDEX invoices_number ON sales.invoices (number);
ALTER TABLE sales.invoices REPLICA IDENTITY USING INDEX invoices_number;
ALTER PUBLICATION walcast_orders ADD TABLE customers, products, sales.invoices;
`;

const db = createOrdersDatabase('sio_tables');
psql(db.conninfo, kTables);
const daemon = new Daemon(db, ['--tables', '*']);
await daemon.start();

const kChange = /^(?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*:(insert|update|delete|truncate)$/;
const kSpecs = [
  { version: '4.8', transports: ['websocket'] },
  { version: '4.8', transports: ['polling'] },
  { version: '4.7', transports: ['websocket', 'polling'] },
];

// "customers:update 1", "products:insert p1", "sales.invoices:delete INV-1", "customers:truncate".
function labelOf(name, payload) {
  const row = payload?.data;
  const key = row && (row.id ?? row.sku ?? row.number);
  return key === undefined || key === null ? name : `${name} ${key}`;
}

// The change events a socket received from index `from` on (room events such as order_1:update
// are not table events and are left out).
function changes(client, from = 0) {
  return client.events.slice(from)
    .filter(({ name }) => kChange.test(name) && !/^(order|status)_/.test(name))
    .map(({ name, args }) => ({ name, payload: args[0], offset: args[args.length - 1], label: labelOf(name, args[0]) }));
}

// The labels up to `label` (included), once it has arrived.
async function until(client, label, from = 0) {
  await eventually(() => {
    const labels = changes(client, from).map((change) => change.label);
    assert.ok(labels.includes(label), `${client.label} has not received ${label}; it has ${labels.join(', ')}`);
  }, { timeoutMs: 60000 });
  const labels = changes(client, from).map((change) => change.label);
  return labels.slice(0, labels.indexOf(label) + 1);
}

const commit = (sql) => psqlAsync(db.conninfo, sql);

// The filter workload (each statement its own transaction). Rows: 1 anna DE 17 (email NULL) →
// age 18; 2 Bert FR 18 → country US; 3 "Doe, Jane" US 40, deleted. `marker` is the id of the
// orders row inserted last.
let round = 0;
async function runWorkload() {
  round += 1;
  const marker = 1000 * round + 2;
  await commit(`
    INSERT INTO customers VALUES (1, 'anna', 'DE', 17, NULL, 10.00, '{"k": 1}', '{a,b}', 'ok', '2026-11-01T00:00:00Z', true);
    INSERT INTO orders (id, customer_name, product_name) VALUES (${marker - 1}, 'o', 'p');
    INSERT INTO customers VALUES (2, 'Bert', 'FR', 18, 'b@x', 99.50, NULL, '{c}', 'happy', '2026-12-01T00:00:00Z', false);
    INSERT INTO products (sku, title, price) VALUES ('p1', 'Lamp', 5);
    INSERT INTO customers VALUES (3, 'Doe, Jane', 'US', 40, 'c@x', 100.25, '{"vip": true}', NULL, 'sad', '2026-12-02T10:00:00+02:00', NULL);
    INSERT INTO sales.invoices (id, number, total) VALUES (1, 'INV-1', 10);
    UPDATE customers SET age = 18 WHERE id = 1;
    UPDATE customers SET country = 'US' WHERE id = 2;
    DELETE FROM customers WHERE id = 3;
    TRUNCATE customers;
    TRUNCATE products;
    TRUNCATE sales.invoices;
    INSERT INTO orders (id, customer_name, product_name) VALUES (${marker}, 'o', 'p');
  `);
  return {
    marker: `orders:insert ${marker}`,
    all: ['customers:insert 1', `orders:insert ${marker - 1}`, 'customers:insert 2', 'products:insert p1',
      'customers:insert 3', 'sales.invoices:insert 1', 'customers:update 1', 'customers:update 2',
      'customers:delete 3', 'customers:truncate', 'products:truncate', 'sales.invoices:truncate',
      `orders:insert ${marker}`],
  };
}

const customers = (...labels) => [...labels.map((label) => `customers:${label}`), 'customers:truncate'];

describe('Socket.IO with every table', () => {
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

  test('every table reaches every socket as <table>:<op>, with its schema, in commit order', async () => {
    const sockets = kSpecs.map((spec) => open(spec));
    await Promise.all(sockets.map((socket) => socket.connected()));
    await commit(`
      BEGIN;
      INSERT INTO customers (id, name, prefs, tags, mood) VALUES (10, 'x', '{"a": [1]}', '{p,q}', 'ok');
      INSERT INTO products (sku, title, price) VALUES ('s1', 'S', 1.50);
      INSERT INTO sales.invoices (id, number, total) VALUES (5, 'N5', 9.99);
      UPDATE products SET price = 2 WHERE sku = 's1';
      UPDATE sales.invoices SET number = 'N6' WHERE number = 'N5';
      DELETE FROM customers WHERE id = 10;
      COMMIT;
      TRUNCATE customers, products, sales.invoices;
      INSERT INTO orders (id, customer_name, product_name) VALUES (1, 'marker', 'p');
    `);
    for (const socket of sockets) {
      const labels = await until(socket, 'orders:insert 1');
      const got = changes(socket);
      assert.deepEqual(labels.slice(0, 6), ['customers:insert 10', 'products:insert s1', 'sales.invoices:insert 5',
        'products:update s1', 'sales.invoices:update 5', 'customers:delete 10'], socket.label);
      assert.deepEqual(labels.slice(6, 9).sort(), ['customers:truncate', 'products:truncate', 'sales.invoices:truncate'],
        `${socket.label}: one truncate per table`);
      assert.equal(labels.length, 10, `${socket.label}: ${labels.join(', ')}`);
      for (let i = 0; i < got.length; i += 1) {
        const { name, payload, offset } = got[i];
        assert.match(payload.id, kEventId);
        assert.equal(offset, payload.id, `${socket.label}: a socket in no room gets the plain event id as offset`);
        if (i > 0) assert.ok(payload.id > got[i - 1].payload.id, `${socket.label}: ids increase`);
        assert.equal(name, `${payload.schema === 'public' ? '' : `${payload.schema}.`}${payload.table}:${payload.operation}`);
      }
      // One transaction: one commit LSN, consecutive indexes.
      const prefix = got[0].payload.id.slice(0, 16);
      got.slice(0, 6).forEach(({ payload }, i) => {
        assert.equal(payload.id.slice(0, 16), prefix);
        assert.equal(parseInt(payload.id.slice(17), 16), i);
      });
      const [insert, product, invoice, , rekeyed, deleted] = got;
      assert.equal(insert.payload.table, 'customers');
      assert.equal(insert.payload.schema, 'public');
      assert.equal('replicaIdentity' in insert.payload, false, 'absent under FULL');
      assert.deepEqual(insert.payload.data.prefs, { a: [1] });
      assert.equal(insert.payload.data.tags, '{p,q}');
      assert.equal(insert.payload.data.mood, 'ok');
      assert.equal(product.payload.replicaIdentity, 'default');
      assert.equal(product.payload.data.price, '1.50');
      assert.equal(invoice.payload.table, 'invoices');
      assert.equal(invoice.payload.schema, 'sales');
      assert.equal(invoice.payload.replicaIdentity, 'index');
      assert.deepEqual(rekeyed.payload.old, { number: 'N5' }, 'the key only, since it changed');
      assert.equal(rekeyed.payload.changed, null);
      assert.equal(deleted.payload.data.name, 'x', 'FULL: the whole deleted row');
    }
  });

  test('auth {tables, filters} narrows the broadcast; a row leaving a filter is seen', async () => {
    const cases = [
      [{ filters: ['customers:country=in.(DE,FR)'] }, 'customers:truncate', customers('insert 1', 'insert 2', 'update 1', 'update 2')],
      [{ filters: ['customers:age=lt.18'] }, 'customers:truncate', customers('insert 1', 'update 1')],
      [{ filters: ['customers:email=not.is.null'] }, 'customers:truncate', customers('insert 2', 'insert 3', 'update 2', 'delete 3')],
      [{ filters: ['customers:country=not.in.(DE,FR)'] }, 'customers:truncate', customers('insert 3', 'update 2', 'delete 3')],
      [{ tables: ['products'] }, 'products:truncate', ['products:insert p1', 'products:truncate']],
      [{ tables: ['sales.invoices'], filters: ['customers:age=gte.18'] }, 'sales.invoices:truncate',
        ['customers:insert 2', 'customers:insert 3', 'sales.invoices:insert 1', 'customers:update 1', 'customers:update 2',
          'customers:delete 3', 'customers:truncate', 'sales.invoices:truncate']],
    ];
    const sockets = [];
    for (const [auth] of cases) {
      for (const spec of kSpecs) sockets.push(open({ ...spec, auth, label: `${spec.version} ${spec.transports} ${JSON.stringify(auth)}` }));
    }
    await Promise.all(sockets.map((socket) => socket.connected()));
    const { marker } = await runWorkload();
    let k = 0;
    for (const [auth, last, expected] of cases) {
      for (let i = 0; i < kSpecs.length; i += 1, k += 1) {
        const socket = sockets[k];
        assert.deepEqual(await until(socket, last), expected, `${socket.label}: ${JSON.stringify(auth)}`);
      }
    }
    // Nothing of orders reached them: the last marker went to unfiltered sockets only.
    const watcher = open({ transports: ['websocket'] });
    await watcher.connected();
    await commit(`INSERT INTO orders (id, customer_name, product_name) VALUES (${Number(marker.split(' ')[1]) + 100}, 'w', 'p');`);
    await until(watcher, `orders:insert ${Number(marker.split(' ')[1]) + 100}`);
    for (const socket of sockets) {
      assert.deepEqual(changes(socket).filter(({ name }) => name.startsWith('orders:')), [], socket.label);
    }
  });

  test('subscribe {tables, filters} with an ack narrows like /ws; unsubscribe widens again', async () => {
    const cases = [
      [['customers:country=neq.DE'], customers('insert 2', 'insert 3', 'update 2', 'delete 3')],
      [['customers:country=eq.DE'], customers('insert 1', 'update 1')],
      [['customers:age=lte.18'], customers('insert 1', 'insert 2', 'update 1', 'update 2')],
      [['customers:age=gt.18'], customers('insert 3', 'delete 3')],
      [['customers:balance=eq.99.5'], customers('insert 2', 'update 2')],
      [['customers:seen_at=gte.2026-12-01T01:00:00+01:00'], customers('insert 2', 'insert 3', 'update 2', 'delete 3')],
      [['customers:mood=eq.happy'], customers('insert 2', 'update 2')],
      [['customers:tags=eq.{c}'], customers('insert 2', 'update 2')],
      [['customers:name=in.("Doe, Jane",nobody)'], customers('insert 3', 'delete 3')],
      [['customers:email=is.null'], customers('insert 1', 'update 1')],
      [['customers:active=is.false'], customers('insert 2', 'update 2')],
      // One table's predicates AND together.
      [['customers:country=not.eq.DE', 'customers:age=gte.40'], customers('insert 3', 'delete 3')],
    ];
    const sockets = [];
    for (const [filters] of cases) {
      const socket = open({ transports: ['websocket'], label: `subscribe ${filters.join(' & ')}` });
      sockets.push(socket);
    }
    const tabled = open({ transports: ['polling'], label: 'subscribe tables products + filter' });
    const undone = open({ version: '4.7', transports: ['websocket'], label: 'subscribe then unsubscribe' });
    await Promise.all([...sockets, tabled, undone].map((socket) => socket.connected()));

    for (let i = 0; i < cases.length; i += 1) {
      const answer = await emitWithAck(sockets[i], 'subscribe', { filters: cases[i][0] });
      assert.ok(answer && !('error' in answer), `${sockets[i].label}: ${JSON.stringify(answer)}`);
      assert.ok(Array.isArray(answer.filters), JSON.stringify(answer));
      for (const filter of cases[i][0]) assert.ok(answer.filters.includes(filter), `ack lists ${filter}: ${JSON.stringify(answer)}`);
      assert.ok(Array.isArray(answer.tables), JSON.stringify(answer));
      assert.ok(Array.isArray(answer.orderIds) && Array.isArray(answer.statuses), `rooms stay in the ack: ${JSON.stringify(answer)}`);
    }
    const both = await emitWithAck(tabled, 'subscribe', { tables: ['products'], filters: ['customers:age=gt.18'] });
    assert.ok(both && !('error' in both) && both.tables.includes('products'), JSON.stringify(both));
    const subscribed = await emitWithAck(undone, 'subscribe', { filters: ['customers:country=eq.DE'] });
    assert.ok(subscribed && !('error' in subscribed), JSON.stringify(subscribed));
    const left = await emitWithAck(undone, 'unsubscribe', { filters: ['customers:country=eq.DE'] });
    assert.ok(left && !('error' in left), JSON.stringify(left));
    assert.deepEqual(left.filters, [], `no filter left: ${JSON.stringify(left)}`);

    const { marker, all } = await runWorkload();
    for (let i = 0; i < cases.length; i += 1) {
      assert.deepEqual(await until(sockets[i], 'customers:truncate'), cases[i][1], sockets[i].label);
    }
    assert.deepEqual(await until(tabled, 'products:truncate'),
      ['products:insert p1', 'customers:insert 3', 'customers:delete 3', 'customers:truncate', 'products:truncate'], tabled.label);
    assert.deepEqual(await until(undone, marker), all, `${undone.label}: everything again`);
  });

  test('bad filters are answered {error}; the socket stays and keeps its subscription', async () => {
    const inList = (n) => `customers:country=in.(${Array.from({ length: n }, (_, i) => `v${i}`).join(',')})`;
    const bad = [
      ['customers:country', ''], ['customers:country=zz.DE', ''], ['country=eq.DE', ''], ['customers:country=in.(DE', ''],
      ['customers:country=is.DE', ''],
      ['nosuch:x=eq.1', "table 'nosuch' is not streamed"],
      ['customers:cuntry=eq.DE', "table customers has no column 'cuntry'"],
      ['customers:age=eq.abc', "column age is integer, got 'abc'"],
      ['customers:balance=gt.abc', ''], ['customers:seen_at=lt.yesterday', ''], ['customers:prefs=eq.1', ''],
      ['customers:tags=lt.{a}', ''], ['customers:mood=gt.ok', ''], ['customers:active=gt.true', ''],
      [inList(101), ''],
    ];
    // In the CONNECT auth payload: a CONNECT_ERROR, which socket.io-client reports as connect_error.
    for (const spec of kSpecs) {
      const refused = open({ ...spec, auth: { filters: ['customers:cuntry=eq.DE'] } });
      await eventually(() => assert.ok(refused.errors.length >= 1, `${refused.label}: no connect_error`), { timeoutMs: 30000 });
      assert.ok(refused.errors[0].message.includes("table customers has no column 'cuntry'"), refused.errors[0].message);
      assert.equal(refused.socket.connected, false);
      refused.close();
    }

    const sockets = [];
    for (const spec of kSpecs) {
      const socket = open({ ...spec, auth: { filters: ['customers:country=eq.DE'] } });
      sockets.push(socket);
      await socket.connected();
      for (const [filter, message] of bad) {
        const answer = await emitWithAck(socket, 'subscribe', { filters: [filter] });
        assert.equal(typeof answer?.error, 'string', `${socket.label}: ${filter.slice(0, 60)} answered ${JSON.stringify(answer)}`);
        if (message) assert.ok(answer.error.includes(message), `${filter}: ${answer.error}`);
      }
      const unknownTable = await emitWithAck(socket, 'subscribe', { tables: ['nosuch'] });
      assert.ok(unknownTable?.error?.includes("table 'nosuch' is not streamed"), JSON.stringify(unknownTable));
      const many = Array.from({ length: 33 }, (_, i) => `customers:age=neq.${1000 + i}`);
      const tooMany = await emitWithAck(socket, 'subscribe', { filters: many });
      assert.equal(typeof tooMany?.error, 'string', `33 predicates: ${JSON.stringify(tooMany)}`);
      // A subscribe is taken whole or not at all: rooms with too many filters, a valid filter with
      // too many rooms (over 64).
      const roomsAndMany = await emitWithAck(socket, 'subscribe', { orderIds: [7], filters: many });
      assert.equal(typeof roomsAndMany?.error, 'string', JSON.stringify(roomsAndMany));
      const rooms = Array.from({ length: 65 }, (_, i) => i + 1);
      const manyRooms = await emitWithAck(socket, 'subscribe', { orderIds: rooms, filters: ['customers:country=eq.FR'] });
      assert.equal(typeof manyRooms?.error, 'string', JSON.stringify(manyRooms));
      const now = await emitWithAck(socket, 'unsubscribe', { orderIds: [] });
      assert.deepEqual(now?.orderIds, [], `no room was joined: ${JSON.stringify(now)}`);
      assert.deepEqual(now?.filters, ['customers:country=eq.DE'], `no filter was added: ${JSON.stringify(now)}`);
      const pong = await emitWithAck(socket, 'ping');
      assert.ok(pong && typeof pong.pong === 'number', `${socket.label} still answers: ${JSON.stringify(pong)}`);
      assert.equal(socket.disconnects.length, 0, `${socket.label} stayed connected`);
    }
    const other = open({ transports: ['websocket'] });
    await other.connected();
    const hundred = await emitWithAck(other, 'subscribe', { filters: [inList(100)] });
    assert.ok(hundred && !('error' in hundred), `100 values are allowed: ${JSON.stringify(hundred)}`);

    await commit(`
      INSERT INTO customers (id, country) VALUES (1, 'FR');
      INSERT INTO products (sku, title) VALUES ('x', 'X');
      INSERT INTO customers (id, country) VALUES (2, 'DE');
      TRUNCATE customers, products;
    `);
    for (const socket of sockets) {
      assert.deepEqual(await until(socket, 'customers:truncate'), ['customers:insert 2', 'customers:truncate'],
        `${socket.label}: the bad subscribes added nothing and the DE filter still streams`);
    }
  });
});
