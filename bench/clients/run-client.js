#!/usr/bin/env node
// One client configuration against the df2redis proxy, in its own process (a hung client cannot
// stall the others). Run by bench/run-proxy-clients.sh; usage:
//   PROXY_PORT=.. [PASSWORD=..] KEY_PREFIX=.. CHECKS_FILE=.. node run-client.js <config-id>
//   node run-client.js --list        (the config ids, one a line, with their labels)
// Stages: connect (the client's own handshake), commands (SET/GET/INCR/HSET/HGETALL one by one),
// pipeline (20 mixed commands incl. PING written together), blocking (BLPOP 2 s on a fresh key
// answered by an RPUSH from a second connection of the same kind ~200 ms later, then a BLPOP
// 0.3 s on an empty key that times out: null), pubsub (a second connection of the same kind,
// same protocol, subscribes to a channel and a pattern; the main client publishes one message to
// each, PUBLISH answering 1 each time, and both arrive). Each operation has a timeout
// (OP_TIMEOUT_MS, 3000 by default): a stage that does not answer in time reads "hang".
// Prints one TSV line: config, label, client version, connect, commands, pipeline, blocking, pubsub.
// Writes the values it expects on the backends to CHECKS_FILE (key, field or "-", value), one a line,
// for the shell script to read back from S and T with redis-cli.
'use strict';

const fs = require('fs');

const OP_TIMEOUT_MS = Number(process.env.OP_TIMEOUT_MS || 3000);
const HARD_LIMIT_MS = Number(process.env.HARD_LIMIT_MS || 45000);
const HOST = '127.0.0.1';
const PORT = Number(process.env.PROXY_PORT);
const PASSWORD = process.env.PASSWORD || undefined;
const PREFIX = process.env.KEY_PREFIX || 'bench:';

// Connection target and password are the only options added to each client's defaults, besides
// what the label says. lazyConnect (ioredis) only makes the connect stage awaitable.
const CONFIGS = {
  'ioredis5': { label: 'ioredis 5 default', make: () => ioredis('ioredis5', {}) },
  'ioredis6': { label: 'ioredis 6 default (RESP3)', make: () => ioredis('ioredis6', {}) },
  'ioredis6-p3': { label: 'ioredis 6 protocol:3', make: () => ioredis('ioredis6', { protocol: 3 }) },
  'ioredis6-p2': { label: 'ioredis 6 protocol:2', make: () => ioredis('ioredis6', { protocol: 2 }) },
  'redis4': { label: 'node-redis 4 default', make: () => nodeRedis('redis4', {}) },
  'redis4-name-db0': { label: 'node-redis 4 name+database:0', make: () => nodeRedis('redis4', { name: 'bench-client', database: 0 }) },
  'redis5': { label: 'node-redis 5 default (RESP2)', make: () => nodeRedis('redis5', {}) },
  'redis5-resp3': { label: 'node-redis 5 RESP:3', make: () => nodeRedis('redis5', { RESP: 3 }) },
  'redis6': { label: 'node-redis 6 default (RESP3)', make: () => nodeRedis('redis6', {}) },
  'redis6-resp2': { label: 'node-redis 6 RESP:2', make: () => nodeRedis('redis6', { RESP: 2 }) },
};

function version(pkg) {
  return require(`${pkg}/package.json`).version;
}

// A uniform face over both client families. duplicate() opens a second connection of the same
// kind (same options) for the blocking stage's pusher and the pub/sub stage's subscriber.
function ioredis(pkg, extra) {
  const Redis = require(pkg);
  const RedisClass = Redis.default || Redis.Redis || Redis;
  return ioredisFace(pkg, new RedisClass({ host: HOST, port: PORT, password: PASSWORD, lazyConnect: true, ...extra }), () => ioredis(pkg, extra));
}

function ioredisFace(pkg, client, duplicate) {
  let lastError;
  client.on('error', (e) => { lastError = e; });
  return {
    version: version(pkg),
    connect: () => new Promise((resolve, reject) => {
      client.once('ready', resolve);
      client.connect().catch(reject);
      client.once('error', reject);
    }),
    duplicate,
    set: (k, v) => client.set(k, v),
    get: (k) => client.get(k),
    incr: (k) => client.incr(k),
    hset: (k, obj) => client.hset(k, obj),
    hgetall: (k) => client.hgetall(k),
    // [key, element] or null
    blpop: (k, seconds) => client.blpop(k, seconds),
    rpush: (k, v) => client.rpush(k, v),
    publish: (channel, message) => client.publish(channel, message),
    // a connection in subscriber mode: its messages come as events
    subscribe: (channel, listener) => {
      client.on('message', (ch, message) => { if (ch === channel) listener(message, ch); });
      return client.subscribe(channel);
    },
    psubscribe: (pattern, listener) => {
      client.on('pmessage', (pat, ch, message) => { if (pat === pattern) listener(message, ch); });
      return client.psubscribe(pattern);
    },
    pipeline: (ops) => {
      const p = client.pipeline();
      for (const [cmd, ...args] of ops) p[cmd.toLowerCase()](...args);
      return p.exec().then((rows) => rows.map(([err, value]) => (err ? { error: err } : value)));
    },
    close: () => { client.disconnect(); },
    lastError: () => lastError,
  };
}

function nodeRedis(pkg, extra) {
  const { createClient } = require(pkg);
  return nodeRedisFace(pkg, createClient({ socket: { host: HOST, port: PORT }, password: PASSWORD, ...extra }));
}

function nodeRedisFace(pkg, client) {
  let lastError;
  client.on('error', (e) => { lastError = e; });
  const call = {
    PING: () => client.ping(),
    SET: (k, v) => client.set(k, v),
    GET: (k) => client.get(k),
    INCR: (k) => client.incr(k),
    HSET: (k, f, v) => client.hSet(k, f, v),
    HGET: (k, f) => client.hGet(k, f),
    HGETALL: (k) => client.hGetAll(k),
  };
  return {
    version: version(pkg),
    connect: () => client.connect(),
    // the client's own duplicate(): same options (protocol included), a new connection
    duplicate: () => nodeRedisFace(pkg, client.duplicate()),
    set: call.SET,
    get: call.GET,
    incr: call.INCR,
    hset: (k, obj) => client.hSet(k, obj),
    hgetall: call.HGETALL,
    // node-redis answers { key, element } or null: the same [key, element] as ioredis
    blpop: (k, seconds) => client.blPop(k, seconds).then((r) => (r && !Array.isArray(r) ? [r.key, r.element] : r)),
    rpush: (k, v) => client.rPush(k, v),
    publish: (channel, message) => client.publish(channel, message),
    subscribe: (channel, listener) => client.subscribe(channel, listener),
    psubscribe: (pattern, listener) => client.pSubscribe(pattern, listener),
    // node-redis pipelines the commands issued in one tick (its documented auto-pipelining)
    pipeline: (ops) => Promise.all(ops.map(([cmd, ...args]) => call[cmd](...args).catch((e) => ({ error: e })))),
    close: () => {
      try {
        const r = client.destroy ? client.destroy() : client.disconnect();
        if (r && r.catch) r.catch(() => {});
      } catch (e) { /* already closed */ }
    },
    lastError: () => lastError,
  };
}

class Hang extends Error {}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Hang(what ? `hang at ${what} (>${OP_TIMEOUT_MS / 1000}s)` : `hang (>${OP_TIMEOUT_MS / 1000}s)`)), OP_TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
}

function short(text, max = 40) {
  const clean = String(text).replace(/[\t\r\n]+/g, ' ').trim();
  return clean.length > max ? clean.slice(0, max - 3) + '...' : clean;
}

function describe(e, client) {
  if (e instanceof Hang) {
    const last = client && client.lastError();
    return last ? `${e.message}, last error: ${short(last.message, 36)}` : e.message;
  }
  return 'error: ' + short(e && e.message ? e.message : e);
}

function same(expected, got) {
  if (Array.isArray(expected)) {
    return Array.isArray(got) && got.length === expected.length && expected.every((e, i) => same(e, got[i]));
  }
  if (expected !== null && typeof expected === 'object') {
    let obj = got;
    if (got instanceof Map) obj = Object.fromEntries(got);
    else if (Array.isArray(got)) {
      obj = {};
      for (let i = 0; i + 1 < got.length; i += 2) obj[String(got[i])] = got[i + 1];
    }
    if (obj === null || typeof obj !== 'object') return false;
    const a = Object.keys(expected).sort();
    const b = Object.keys(obj).map(String).sort();
    return a.length === b.length && a.every((k, i) => k === b[i] && String(expected[k]) === String(obj[k]));
  }
  return String(expected) === String(got);
}

function show(value) {
  if (value instanceof Map) value = Object.fromEntries(value);
  return short(typeof value === 'object' ? JSON.stringify(value) : String(value), 30);
}

// Runs one stage with its own extra connections, closed whatever happens; its result wording is
// the commands stage's: "ok", "<CMD> replied <value>", "<CMD> error: ...", "hang at <CMD> (>3s)".
async function stage(client, body) {
  const opened = [];
  const second = async (role) => {
    const other = client.duplicate();
    opened.push(other);
    try {
      await withTimeout(other.connect(), `${role} connect`);
    } catch (e) {
      throw new StageFailed(e instanceof Hang ? describe(e, other) : `${role} connect ${describe(e, other)}`);
    }
    return other;
  };
  try {
    return await body(client, second);
  } catch (e) {
    if (e instanceof StageFailed) return e.message;
    return describe(e, client);
  } finally {
    for (const other of opened) other.close();
  }
}

class StageFailed extends Error {}

// one operation of a stage: its reply, or StageFailed with the commands stage's wording
async function op(name, promise, client) {
  try {
    return await withTimeout(promise, name);
  } catch (e) {
    throw new StageFailed(e instanceof Hang ? describe(e, client) : `${name} ${describe(e, client)}`);
  }
}

function expect(name, expected, got) {
  if (!same(expected, got)) throw new StageFailed(`${name} replied ${show(got)}`);
}

// BLPOP on a fresh key, served by an RPUSH from a second connection ~200 ms later; then a BLPOP
// that times out.
async function blockingStage(client, second) {
  const pusher = await second('pusher');
  const list = PREFIX + 'blist';
  const pushed = new Promise((resolve, reject) => {
    setTimeout(() => pusher.rpush(list, 'e1').then(resolve, reject), 200);
  });
  pushed.catch(() => {}); // read below; unread when the pop fails first, which must not end the process
  const pop = client.blpop(list, 2);
  let popped;
  try {
    popped = await op('BLPOP', pop, client);
  } catch (e) {
    // the pop still holds the main connection: let it end (its own 2 s, bounded by one more
    // operation timeout) so that the next stage does not read "hang" behind it
    await withTimeout(pop, 'BLPOP').catch(() => {});
    throw e;
  }
  const pushedCount = await op('RPUSH', pushed, pusher);
  expect('BLPOP', [list, 'e1'], popped);
  expect('RPUSH', 1, pushedCount);
  const empty = await op('BLPOP(0.3s)', client.blpop(PREFIX + 'bempty', 0.3), client);
  if (empty !== null) throw new StageFailed(`BLPOP(0.3s) replied ${show(empty)}`);
  return 'ok';
}

// a subscriber (second connection) on a channel and on a pattern; one PUBLISH to each
async function pubsubStage(client, second) {
  const subscriber = await second('subscriber');
  const channel = PREFIX + 'chan';
  const pattern = PREFIX + 'pat.*';
  const patternChannel = PREFIX + 'pat.x';
  let onChannel;
  let onPattern;
  const fromChannel = new Promise((resolve) => { onChannel = resolve; });
  const fromPattern = new Promise((resolve) => { onPattern = resolve; });
  await op('SUBSCRIBE', subscriber.subscribe(channel, (message) => onChannel(message)), subscriber);
  await op('PSUBSCRIBE', subscriber.psubscribe(pattern, (message, ch) => onPattern([ch, message])), subscriber);
  expect('PUBLISH', 1, await op('PUBLISH', client.publish(channel, 'm1'), client));
  expect('PUBLISH(pattern)', 1, await op('PUBLISH(pattern)', client.publish(patternChannel, 'm2'), client));
  expect('message', 'm1', await op('message', fromChannel, subscriber));
  expect('pmessage', [patternChannel, 'm2'], await op('pmessage', fromPattern, subscriber));
  return 'ok';
}

async function main() {
  const id = process.argv[2];
  if (id === '--list') {
    for (const [key, c] of Object.entries(CONFIGS)) console.log(`${key}\t${c.label}`);
    return;
  }
  const config = CONFIGS[id];
  if (!config) throw new Error(`unknown config ${id}; known: ${Object.keys(CONFIGS).join(', ')}`);
  const result = { connect: '-', commands: '-', pipeline: '-', blocking: '-', pubsub: '-' };
  const checks = [];
  let client;
  const finish = () => {
    console.log([id, config.label, client ? client.version : '?', result.connect, result.commands, result.pipeline,
      result.blocking, result.pubsub].join('\t'));
    if (process.env.CHECKS_FILE) fs.writeFileSync(process.env.CHECKS_FILE, checks.map((c) => c.join('\t')).join('\n') + (checks.length ? '\n' : ''));
  };
  // the whole script is bounded whatever the client does
  setTimeout(() => { finish(); process.exit(0); }, HARD_LIMIT_MS).unref();

  client = config.make();
  try {
    await withTimeout(client.connect(), '');
    result.connect = 'ok';
  } catch (e) {
    result.connect = describe(e, client);
    finish();
    client.close();
    setTimeout(() => process.exit(0), 200);
    return;
  }

  const k = PREFIX + 'str';
  const n = PREFIX + 'ctr';
  const h = PREFIX + 'hash';
  const steps = [
    ['SET', () => client.set(k, 'v1'), 'OK', () => checks.push([k, '-', 'v1'])],
    ['GET', () => client.get(k), 'v1'],
    ['INCR', () => client.incr(n), 1, () => checks.push([n, '-', '1'])],
    ['HSET', () => client.hset(h, { f1: 'a', f2: 'b' }), 2, () => { checks.push([h, 'f1', 'a']); checks.push([h, 'f2', 'b']); }],
    ['HGETALL', () => client.hgetall(h), { f1: 'a', f2: 'b' }],
  ];
  result.commands = 'ok';
  for (const [name, run, expected, onOk] of steps) {
    try {
      const got = await withTimeout(run(), name);
      if (!same(expected, got)) {
        result.commands = `${name} replied ${show(got)}`;
        break;
      }
      if (onOk) onOk();
    } catch (e) {
      result.commands = e instanceof Hang ? describe(e, client) : `${name} ${describe(e, client)}`;
      break;
    }
  }

  const p = (s) => PREFIX + 'p:' + s;
  const ops = [
    [['PING'], 'PONG'],
    [['SET', p('a'), '1'], 'OK'],
    [['SET', p('b'), '2'], 'OK'],
    [['GET', p('a')], '1'],
    [['INCR', p('n')], 1],
    [['INCR', p('n')], 2],
    [['PING'], 'PONG'],
    [['HSET', p('h'), 'x', '1'], 1],
    [['HGET', p('h'), 'x'], '1'],
    [['SET', p('c'), 'hello'], 'OK'],
    [['GET', p('c')], 'hello'],
    [['INCR', p('n')], 3],
    [['PING'], 'PONG'],
    [['SET', p('d'), '4'], 'OK'],
    [['GET', p('b')], '2'],
    [['HSET', p('h'), 'y', '2'], 1],
    [['HGETALL', p('h')], { x: '1', y: '2' }],
    [['INCR', p('n')], 4],
    [['PING'], 'PONG'],
    [['GET', p('d')], '4'],
  ];
  try {
    const replies = await withTimeout(client.pipeline(ops.map(([cmd]) => cmd)), '');
    const bad = [];
    replies.forEach((got, i) => {
      const [cmd, expected] = ops[i];
      if (got && got.error) bad.push(`#${i} ${cmd[0]}: ${short(got.error.message, 30)}`);
      else if (!same(expected, got)) bad.push(`#${i} ${cmd[0]}=${show(got)}`);
    });
    result.pipeline = bad.length ? `${bad.length}/20 wrong: ${bad[0]}` : 'ok';
    if (!bad.length) {
      checks.push([p('a'), '-', '1'], [p('b'), '-', '2'], [p('c'), '-', 'hello'], [p('d'), '-', '4'], [p('n'), '-', '4'],
        [p('h'), 'x', '1'], [p('h'), 'y', '2']);
    }
  } catch (e) {
    result.pipeline = describe(e, client);
  }

  result.blocking = await stage(client, blockingStage);
  result.pubsub = await stage(client, pubsubStage);

  finish();
  client.close();
  setTimeout(() => process.exit(0), 200);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
