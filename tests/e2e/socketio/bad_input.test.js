// What no real client sends, over raw HTTP long-polling and raw WebSockets (docs/contract.md §7):
// the Engine.IO errors (HTTP 400 with {"code","message"}), sessions closed on garbage, 413 past
// maxPayload, CONNECT_ERROR for another namespace, and binary attachments refused. After each, the
// healthy socket.io-client sockets connected beforehand still receive a change committed after it,
// none of them was disconnected, and /health stays 200: bad input costs only its own session. A
// socket sending events too fast is told to slow down, then closed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql, quoteLiteral } from '../lib/psql.js';
import { Client, RawPolling, RawWs, emitWithAck, engineUrl, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('sio_bad_input');
const daemon = new Daemon(db);  // the Engine.IO defaults: 25000 / 20000 / 1000000
await daemon.start();

async function getJson(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`${response.status} ${text} is not JSON`);
  }
  return { status: response.status, json };
}

describe('Socket.IO bad input', () => {
  const healthy = [];
  const raw = [];  // raw WebSockets, and clients not among the healthy ones, to end

  // The healthy clients still stream, none was disconnected, and walcastd is up.
  async function assertStillHealthy(what) {
    const customer = `after ${what}`;
    psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES (${quoteLiteral(customer)}, 'x');`);
    await Promise.all(healthy.map((client) => client.received(customer)));
    for (const client of healthy) assert.deepEqual(client.disconnects, [], `${client.label} after ${what}`);
    const response = await fetch(`${daemon.url}/health`);
    assert.equal(response.status, 200, `/health after ${what}: ${await response.text()}`);
  }

  function ws(query) {
    const socket = new RawWs(daemon.url, query);
    raw.push(socket);
    return socket;
  }

  before(async () => {
    for (const spec of [
      { version: '4.8', transports: ['websocket', 'polling'] },
      { version: '4.8', transports: ['polling'] },
      { version: '4.7', transports: ['polling'] },
    ]) healthy.push(new Client(daemon.url, spec));
    await Promise.all(healthy.map((client) => client.connected()));
  });

  after(async () => {
    for (const client of healthy) client.close();
    for (const socket of raw) socket.close();
    // Nothing above may have hurt it: it still stops cleanly (and a sanitizer build reports nothing).
    assert.deepEqual(await stopDaemon(daemon), { code: 0, signal: null }, daemon.log().slice(-2000));
  });

  test('the open packet: exactly sid, upgrades and the default timings and payload limit', async () => {
    const polling = await new RawPolling(daemon.url).open();
    assert.deepEqual(Object.keys(polling.handshake).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
    assert.ok(typeof polling.handshake.sid === 'string' && polling.handshake.sid.length > 0);
    assert.deepEqual(polling.handshake.upgrades, ['websocket']);
    assert.equal(polling.handshake.pingInterval, 25000);
    assert.equal(polling.handshake.pingTimeout, 20000);
    assert.equal(polling.handshake.maxPayload, 1000000);
    const socket = await ws().handshake();
    assert.deepEqual(socket.open.upgrades, [], 'a WebSocket session has nothing to upgrade to');
    assert.notEqual(socket.open.sid, polling.handshake.sid);
    assert.equal(socket.open.pingInterval, 25000);
    socket.close();
    await assertStillHealthy('two handshakes');
  });

  test('a wrong EIO gets 400 {"code":5,"message":"Unsupported protocol version"}', async () => {
    for (const query of ['?EIO=3&transport=polling', '?EIO=abc&transport=polling', '?transport=polling']) {
      const { status, json } = await getJson(`${daemon.url}/socket.io/${query}`);
      assert.equal(status, 400, query);
      assert.deepEqual(json, { code: 5, message: 'Unsupported protocol version' }, query);
    }
    const socket = ws('?EIO=3&transport=websocket');
    assert.ok(await socket.closesWithin(), 'the upgrade is refused or closed');
    assert.ok(!socket.messages.some((message) => String(message).startsWith('0')), 'no session was opened');
    await assertStillHealthy('a wrong EIO');
  });

  test('no transport or an unknown one gets 400 {"code":0}', async () => {
    for (const query of ['?EIO=4', '?EIO=4&transport=abc', '?EIO=4&transport=']) {
      const { status, json } = await getJson(`${daemon.url}/socket.io/${query}`);
      assert.equal(status, 400, query);
      assert.equal(json.code, 0, query);
      assert.equal(typeof json.message, 'string', query);
    }
    const socket = ws('?EIO=4&transport=abc');
    assert.ok(await socket.closesWithin(), 'the upgrade is refused or closed');
    assert.ok(!socket.messages.some((message) => String(message).startsWith('0')), 'no session was opened');
    await assertStillHealthy('an unknown transport');
  });

  test('an unknown sid gets 400 {"code":1,"message":"Session ID unknown"}', async () => {
    const url = engineUrl(daemon.url, '&sid=nosuchsession');
    for (const init of [{}, { method: 'POST', body: '40' }]) {
      const { status, json } = await getJson(url, init);
      assert.equal(status, 400, init.method);
      assert.deepEqual(json, { code: 1, message: 'Session ID unknown' }, init.method);
    }
    const socket = ws('?EIO=4&transport=websocket&sid=nosuchsession');
    assert.ok(await socket.closesWithin(), 'the upgrade is refused or closed');
    assert.deepEqual(socket.messages, [], 'nothing for an unknown session');
    await assertStillHealthy('an unknown sid');
  });

  test('an Engine.IO packet that does not parse closes its session', async () => {
    const session = await new RawPolling(daemon.url).open();
    const posted = await session.post('abc');
    assert.equal(posted.status, 400, posted.body);
    const later = await session.get();
    assert.equal(later.status, 400);
    assert.equal(later.json?.code, 1, later.body);
    const socket = await ws().handshake();
    socket.send('abc');
    assert.ok(await socket.closesWithin(), 'the WebSocket is closed');
    await assertStillHealthy('a garbage Engine.IO packet');
  });

  test('two polling GETs at once: the first gets the close packet, the second 400, and the session is over', async () => {
    const session = await new RawPolling(daemon.url).open();
    const first = session.get();
    // Nothing shows that the first GET is held by the server yet; give it a moment to arrive.
    await sleep(300);
    const second = session.get();
    const results = await Promise.all([first, second]);
    assert.deepEqual(results.map((result) => result.status).sort(), [200, 400], results.map((result) => result.body).join(' | '));
    assert.equal(results.find((result) => result.status === 200).body, '1');
    const later = await session.get();
    assert.equal(later.status, 400);
    assert.equal(later.json?.code, 1, later.body);
    assert.equal((await session.post('40')).status, 400);
    await assertStillHealthy('two concurrent GETs');
  });

  test('a POST over maxPayload (1,000,000 bytes) gets 413; one just under it is accepted', async () => {
    const session = await new RawPolling(daemon.url).open();
    assert.equal((await session.post('40')).status, 200);
    // An event nobody listens to, 999,000 bytes in all.
    const event = (bytes) => `42["nobody-listens","${'x'.repeat(bytes - '42["nobody-listens",""]'.length)}"]`;
    const accepted = await session.post(event(999000));
    assert.equal(accepted.status, 200, accepted.body);
    assert.equal(accepted.body, 'ok');
    const over = event(1000100);
    const refused = await session.post(over);
    assert.equal(refused.status, 413);
    await assertStillHealthy('a POST over maxPayload');
  });

  for (const packet of ['4abc', '42{}', '42abc["x"]']) {
    test(`a malformed Socket.IO packet ${packet} closes its session`, async () => {
      const socket = await ws().handshake({ connect: true });
      socket.send(packet);
      assert.ok(await socket.closesWithin(), `${packet} over WebSocket: closed`);

      const session = await new RawPolling(daemon.url).open();
      assert.equal((await session.post('40')).status, 200);
      await session.post(packet);  // ok or 400: the session ends either way
      await session.readUntilClosed();
      const later = await session.get();
      assert.equal(later.status, 400, `${packet} over polling: later GET`);
      await assertStillHealthy(`the packet ${packet}`);
    });
  }

  test('CONNECT to another namespace gets CONNECT_ERROR "Invalid namespace"; the session stays open', async () => {
    const socket = await ws().handshake();
    socket.send('40/random,');
    assert.equal(await socket.next(), '44/random,{"message":"Invalid namespace"}');
    socket.send('40');
    const connected = await socket.next();
    assert.match(connected, /^40\{/, connected);
    assert.ok(JSON.parse(connected.slice(2)).sid, 'a Socket.IO sid');
    const welcome = await socket.nextMatching((message) => message.startsWith('42'));
    assert.equal(JSON.parse(welcome.slice(2))[0], 'welcome');
    // And it streams: [name, payload, offset] on the wire.
    const customer = 'raw WebSocket after a bad namespace';
    psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES (${quoteLiteral(customer)}, 'x');`);
    const change = await socket.nextMatching((message) => message.startsWith('42["orders:insert"'));
    const [, payload, offset] = JSON.parse(change.slice(2));
    assert.equal(payload.data.customer_name, customer);
    assert.equal(offset, payload.id);

    const session = await new RawPolling(daemon.url).open();
    assert.equal((await session.post('40/random,')).status, 200);
    const refused = await session.get();
    assert.deepEqual(refused.packets, ['44/random,{"message":"Invalid namespace"}']);
    assert.equal((await session.post('40')).status, 200);
    const answer = await session.get();
    assert.match(answer.packets[0], /^40\{/, answer.body);
    await assertStillHealthy('a CONNECT to an unknown namespace');
  });

  test('a packet with a binary attachment closes its connection', async () => {
    const socket = await ws().handshake({ connect: true });
    socket.send('451-["x",{"_placeholder":true,"num":0}]');
    socket.send(Buffer.from([1, 2, 3]));
    assert.ok(await socket.closesWithin(), 'the WebSocket is closed');

    const session = await new RawPolling(daemon.url).open();
    assert.equal((await session.post('40')).status, 200);
    await session.post('451-["x",{"_placeholder":true,"num":0}]\x1ebAQID');
    await session.readUntilClosed();
    assert.equal((await session.get()).status, 400);
    await assertStillHealthy('a binary attachment');
  });

  test('malformed subscribe, unsubscribe and ping, and unknown events, are ignored', async () => {
    const sloppy = new Client(daemon.url, { transports: ['websocket'], label: 'sloppy' });
    healthy.push(sloppy);
    await sloppy.connected();
    const emits = [
      ['subscribe', 'garbage'], ['subscribe'], ['subscribe', null], ['subscribe', { orderIds: 'x' }],
      ['subscribe', { orderIds: [-1, 1.5, 'a', null, 1e300] }], ['subscribe', { statuses: [1, null, {}, ''] }],
      ['subscribe', { statuses: ['x'.repeat(100000)] }], ['subscribe', { orderIds: Array.from({ length: 5000 }, (_, i) => i + 1) }],
      ['unsubscribe', 42], ['unsubscribe', { statuses: 'pending' }], ['ping', 'no ack'], ['nonsense', { a: 1 }],
    ];
    for (const args of emits) sloppy.socket.emit(...args);
    const answer = await emitWithAck(sloppy, 'ping');
    assert.equal(typeof answer.pong, 'number');
    await assertStillHealthy('malformed client events');
    await eventually(() => assert.ok(sloppy.socket.connected));
  });

  // As /ws (README "The change stream"): 20 events/s, a burst of 40; past it an event is refused
  // ({error} to its ack), and past 20 refusals in a row the connection is closed. socket.io-client
  // reconnects by itself, and the socket is served again.
  test('a socket sending events past 20/s is answered "slow down", then closed; it reconnects', async () => {
    const flood = new Client(daemon.url, { transports: ['websocket'], label: 'flood' });
    raw.push(flood);  // closed by after() whatever happens here
    await flood.connected();
    const acked = Array.from({ length: 55 }, () => emitWithAck(flood, 'ping'));
    // Refused without an acknowledgement to answer: an `error` event each.
    for (let i = 0; i < 3; ++i) flood.socket.emit('ping');
    const answers = await Promise.all(acked);
    const pongs = answers.filter((answer) => typeof answer?.pong === 'number').length;
    const refused = answers.filter((answer) => answer?.error === 'too many messages: slow down').length;
    assert.equal(pongs + refused, 55, JSON.stringify(answers));
    assert.ok(pongs >= 40 && refused >= 1, `${pongs} pongs, ${refused} refused`);
    await eventually(() => assert.ok(
      flood.named('error').some(({ args }) => args[0]?.message === 'too many messages: slow down'),
      JSON.stringify(flood.named('error'))));
    assert.deepEqual(flood.disconnects, [], 'refusals alone do not close it');

    for (let i = 0; i < 100; ++i) flood.socket.emit('ping');
    await eventually(() => assert.equal(flood.disconnects.length, 1, 'closed after 20 refusals in a row'));
    assert.ok(['transport close', 'transport error'].includes(flood.disconnects[0].reason), flood.disconnects[0].reason);
    await flood.connected();
    await sleep(2100);  // a full bucket again
    const answer = await emitWithAck(flood, 'ping');
    assert.equal(typeof answer?.pong, 'number', JSON.stringify(answer));
    flood.close();
    await assertStillHealthy('a flooding socket');
  });
});
