// The df2redis dashboard: the status from GET /api/v1/migration, live events from the SSE stream
// GET /api/v1/events (read with fetch so that the token goes in a header, never in a URL), and the
// control buttons. The token is asked once per tab, kept in sessionStorage and never shown.
'use strict';

(() => {
  const TOKEN_KEY = 'df2redis.controlToken';
  const API = '/api/v1';
  const MAX_LOG = 200;
  const REFRESH_GAP_MS = 2000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  // One tab of this browser holds the event stream and passes the events to the others, so that
  // many open dashboards use one connection: browsers allow only 6 HTTP/1.1 connections per server.
  const LOCK_NAME = 'df2redis-event-stream';
  const CHANNEL_NAME = 'df2redis-events';

  const $ = id => document.getElementById(id);
  const number = new Intl.NumberFormat('en');

  const state = {
    status: null,
    lastSeq: -1,
    refreshTimer: null,
    lastRefresh: 0,
    streamAbort: null,
    channel: null,
    progress: {},
    charts: null,
  };

  // ---- token -------------------------------------------------------------------------------

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function askForToken(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    stopEvents();
    $('dashboard').hidden = true;
    $('sign-out').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  $('login').addEventListener('submit', async e => {
    e.preventDefault();
    const value = $('token').value.trim();
    $('token').value = '';
    if (!value) {
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, value);
    await open();
  });

  $('sign-out').addEventListener('click', () => askForToken('token forgotten: enter it again to continue'));

  // ---- API ---------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(method, path) {
    const response = await fetch(API + path, {
      method,
      headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' },
      cache: 'no-store',
    });
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (ignored) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, detail);
    }
    return body;
  }

  async function open() {
    try {
      render(await api('GET', '/migration'));
    } catch (e) {
      if (e.status === 401) {
        askForToken(e.message);
      } else {
        askForToken(e.status === 403 ? e.message : 'cannot reach the service: ' + e.message);
      }
      return;
    }
    $('login').hidden = true;
    $('dashboard').hidden = false;
    $('sign-out').hidden = false;
    startEvents();
  }

  /** Fetches the status now, or once after the last fetch's gap: events never cause more than one call per gap. */
  function refreshSoon() {
    if (state.refreshTimer) {
      return;
    }
    const wait = Math.max(0, state.lastRefresh + REFRESH_GAP_MS - Date.now());
    state.refreshTimer = setTimeout(async () => {
      state.lastRefresh = Date.now();
      try {
        render(await api('GET', '/migration'));
      } catch (e) {
        if (e.status === 401) {
          askForToken(e.message);
        }
      } finally {
        state.refreshTimer = null;
      }
    }, wait);
  }

  // ---- buttons -----------------------------------------------------------------------------

  for (const button of document.querySelectorAll('button[data-action]')) {
    button.addEventListener('click', () => act(button));
  }

  async function act(button) {
    const confirmText = button.dataset.confirm;
    if (confirmText && button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.dataset.label = button.textContent;
      button.textContent = confirmText + '?';
      setTimeout(() => disarm(button), 5000);
      return;
    }
    disarm(button);
    const notice = $('notice');
    notice.className = '';
    notice.textContent = button.textContent + '…';
    try {
      const status = await api('POST', '/migration/' + button.dataset.action);
      notice.textContent = button.textContent + ': accepted';
      if (status && status.schema) {
        render(status);
      }
    } catch (e) {
      if (e.status === 401) {
        askForToken(e.message);
        return;
      }
      notice.className = 'error';
      notice.textContent = `${button.textContent} refused (${e.status || 'network'}): ${e.message}`;
    }
  }

  function disarm(button) {
    if (button.dataset.armed === 'true') {
      button.dataset.armed = 'false';
      button.textContent = button.dataset.label;
    }
  }

  // ---- events ------------------------------------------------------------------------------

  function startEvents() {
    if ('BroadcastChannel' in window) {
      state.channel = new BroadcastChannel(CHANNEL_NAME);
      state.channel.onmessage = m => {
        if (m.data && m.data.kind === 'event') {
          onEvent(m.data.event);
        } else if (m.data && m.data.kind === 'conn') {
          setConn(m.data.state, m.data.text + ' (shared)');
        }
      };
    }
    if (navigator.locks && state.channel) {
      setConn('shared', 'shared with another tab');
      // Waits for the lock; holds it (and the stream) until this tab closes or signs out.
      const controller = new AbortController();
      state.streamAbort = controller;
      navigator.locks.request(LOCK_NAME, { signal: controller.signal }, () => stream(controller, true))
        .catch(() => { });
    } else {
      const controller = new AbortController();
      state.streamAbort = controller;
      stream(controller, false);
    }
  }

  function stopEvents() {
    if (state.streamAbort) {
      state.streamAbort.abort();
      state.streamAbort = null;
    }
    if (state.channel) {
      state.channel.close();
      state.channel = null;
    }
    setConn('off', 'offline');
  }

  /** Reads the stream until aborted, reconnecting with a growing, jittered delay. */
  async function stream(controller, share) {
    let backoff = BACKOFF_MIN_MS;
    const publish = (connState, text) => {
      setConn(connState, text);
      if (share && state.channel) {
        state.channel.postMessage({ kind: 'conn', state: connState, text });
      }
    };
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(API + '/events', {
          headers: { Authorization: 'Bearer ' + token(), Accept: 'text/event-stream' },
          cache: 'no-store',
          signal: controller.signal,
        });
        if (response.status === 401) {
          askForToken('the token was refused: enter it again');
          return;
        }
        if (!response.ok || !response.body) {
          throw new Error('event stream answered ' + response.status);
        }
        publish('live', 'live');
        await readEvents(response.body, event => {
          backoff = BACKOFF_MIN_MS;
          onEvent(event);
          if (share && state.channel) {
            state.channel.postMessage({ kind: 'event', event });
          }
        });
      } catch (e) {
        if (controller.signal.aborted) {
          return;
        }
      }
      const delay = Math.round(backoff * (0.75 + Math.random() / 2));
      publish('retry', `reconnecting in ${Math.round(delay / 1000)} s`);
      await new Promise(resolve => setTimeout(resolve, delay));
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
  }

  /** Parses text/event-stream: events are separated by a blank line; their data: lines hold JSON. */
  async function readEvents(body, handle) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += value;
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = block.split(/\r?\n/)
          .filter(line => line.startsWith('data:'))
          .map(line => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data) {
          try {
            handle(JSON.parse(data));
          } catch (ignored) {
            // not an event of ours
          }
        }
      }
    }
  }

  function onEvent(event) {
    if (event.type === 'state') {
      if (event.data && event.data.status) {
        render(event.data.status);
      }
      return;
    }
    if (event.seq <= state.lastSeq) {
      return;
    }
    state.lastSeq = event.seq;
    appendEvent(event);
    if (event.type === 'stage.progress' && event.data) {
      onProgress(event);
    }
    refreshSoon();
  }

  function setConn(connState, text) {
    const conn = $('conn');
    conn.dataset.state = connState;
    conn.textContent = text;
  }

  // ---- rendering ---------------------------------------------------------------------------

  function charts() {
    if (!state.charts) {
      const box = $('charts');
      state.charts = {
        rate: new Charts.Chart(box, 'rate', 'copy rate', '/s'),
        backlog: new Charts.Chart(box, 'backlog', 'journal backlog', 'records'),
        lag: new Charts.Chart(box, 'lag', 'journal lag', 'ms'),
        mismatches: new Charts.Chart(box, 'mismatches', 'mismatches', ''),
        qps: new Charts.Chart(box, 'qps', 'proxy qps', '/s'),
      };
    }
    return state.charts;
  }

  function render(status) {
    state.status = status;
    const pill = $('pipeline-status');
    pill.textContent = status.status;
    pill.dataset.status = status.status;
    $('pipeline-plan').textContent = status.plan ? 'plan ' + status.plan : '';
    $('pipeline-message').textContent = status.message || '';
    renderButtons(status);
    renderStages(status);
    renderMetrics(status.metrics || {});
    renderProxy(status.proxy || {});
    renderCutover(status.cutover, status.fence);
    // The status's recent events fill what the log lacks: the history on start, a gap after a reconnect.
    for (const event of status.recentEvents || []) {
      if (event.seq > state.lastSeq) {
        appendEvent(event);
        state.lastSeq = event.seq;
      }
    }
    $('event-count').textContent = status.eventCount ? `(${number.format(status.eventCount)} in all)` : '';
    sampleCharts(status);
  }

  function renderButtons(status) {
    const s = status.status;
    $('btn-pause').disabled = s !== 'running';
    $('btn-resume').disabled = s !== 'paused' && s !== 'pausing';
    $('btn-abort').disabled = !['running', 'pausing', 'paused'].includes(s);
  }

  function renderStages(status) {
    const list = $('stages');
    const stages = status.stages || [];
    $('stages-empty').hidden = stages.length > 0;
    const start = Math.min(...stages.filter(s => s.startedAt).map(s => Date.parse(s.startedAt)), Date.now());
    const end = Math.max(...stages.map(s => Date.parse(s.finishedAt || '') || (s.startedAt ? Date.now() : 0)), start + 1000);
    for (const stage of stages) {
      let row = list.querySelector(`li[data-stage="${CSS.escape(stage.name)}"]`);
      if (!row) {
        row = stageRow(stage.name);
        list.append(row);
      }
      row.dataset.status = stage.status;
      row.querySelector('.stage-status').textContent = stage.status;
      const began = Date.parse(stage.startedAt || '');
      const ended = Date.parse(stage.finishedAt || '') || (stage.status === 'running' ? Date.now() : NaN);
      row.dataset.started = Number.isFinite(began) ? String(began) : '';
      row.querySelector('.stage-duration').textContent = Number.isFinite(began) && Number.isFinite(ended)
        ? duration((ended - began) / 1000) : '';
      const extra = [];
      if (stage.attempts > 1) {
        extra.push(`attempt ${stage.attempts}`);
      }
      if (stage.resumes > 0) {
        extra.push(`resumed ${stage.resumes}×`);
      }
      row.querySelector('.stage-extra').textContent = extra.join(', ');
      row.querySelector('.stage-message').textContent = stage.message || '';
      const bar = row.querySelector('.gantt-bar');
      if (Number.isFinite(began)) {
        const stop = Number.isFinite(ended) ? ended : began;
        bar.style.marginLeft = (100 * (began - start) / (end - start)).toFixed(2) + '%';
        bar.style.width = Math.max(0.5, 100 * (stop - began) / (end - start)).toFixed(2) + '%';
      }
      if (stage.progress) {
        showProgress(row, stage.progress);
      }
    }
  }

  function stageRow(name) {
    const row = document.createElement('li');
    row.dataset.stage = name;
    row.innerHTML = `<div class="stage-head"><span class="stage-name"></span><span class="pill stage-status"></span>
      <span class="stage-duration"></span><span class="stage-extra muted"></span></div>
      <div class="gantt"><div class="gantt-bar"></div></div>
      <div class="progress" hidden><progress max="1" value="0"></progress>
      <span class="progress-done"></span><span class="progress-rate muted"></span><span class="progress-eta muted"></span></div>
      <div class="stage-message muted"></div>`;
    row.querySelector('.stage-name').textContent = name;
    return row;
  }

  function showProgress(row, p) {
    const box = row.querySelector('.progress');
    box.hidden = false;
    const bar = box.querySelector('progress');
    if (p.total) {
      bar.max = p.total;
      bar.value = Math.min(p.done, p.total);
    } else {
      bar.removeAttribute('value');
    }
    box.querySelector('.progress-done').textContent = number.format(p.done)
      + (p.total ? ' / ' + number.format(p.total) : '') + ' ' + (p.unit || '');
    box.querySelector('.progress-rate').textContent = p.rate ? Charts.formatValue(p.rate, (p.unit || '') + '/s') : '';
    box.querySelector('.progress-eta').textContent = p.etaSeconds != null && p.total && p.done < p.total
      ? 'ETA ' + duration(p.etaSeconds) : '';
    row.dataset.done = String(p.done);
  }

  /** A progress event: the bar moves at once, and the copy rate chart gets the rate since the last event. */
  function onProgress(event) {
    const row = $('stages').querySelector(`li[data-stage="${CSS.escape(event.stage || '')}"]`);
    if (row) {
      showProgress(row, event.data);
    }
    const t = Date.parse(event.ts);
    const last = state.progress[event.stage];
    if (last && t > last.t && event.data.done >= last.done) {
      charts().rate.add(t, (event.data.done - last.done) * 1000 / (t - last.t));
    }
    state.progress[event.stage] = { t, done: event.data.done };
  }

  function sampleCharts(status) {
    const m = status.metrics || {};
    const c = charts();
    const t = Date.parse(status.updatedAt || '') || Date.now();
    if ('sync_backlog_records' in m) {
      c.backlog.add(t, m.sync_backlog_records);
    }
    if ('sync_lag_ms' in m) {
      c.lag.add(t, m.sync_lag_ms);
    }
    const mismatchNames = Object.keys(m).filter(k => k.includes('mismatch'));
    if (status.cutover && Number.isFinite(status.cutover.mismatches)) {
      c.mismatches.add(t, status.cutover.mismatches);
    } else if (mismatchNames.length) {
      c.mismatches.add(t, mismatchNames.reduce((sum, k) => sum + m[k], 0));
    }
    if ('proxy_qps' in m) {
      c.qps.add(t, m.proxy_qps);
    }
  }

  function renderMetrics(metrics) {
    const names = Object.keys(metrics).filter(k => typeof metrics[k] === 'number').sort();
    $('metrics-empty').hidden = names.length > 0;
    fillTable($('metrics'), names.map(k => [k, number.format(metrics[k])]));
  }

  function renderProxy(proxy) {
    const m = (state.status && state.status.metrics) || {};
    const rows = Object.entries(proxy).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, show(v)]);
    for (const [name, label] of [['proxy_qps', 'qps'], ['proxy_write_qps', 'write qps'],
      ['proxy_failures_last_interval', 'failures (last interval)'], ['proxy_fenced_writes', 'fenced writes'],
      ['proxy_inflight_writes', 'in-flight writes']]) {
      if (name in m) {
        rows.push([label, number.format(m[name])]);
      }
    }
    $('proxy-empty').hidden = rows.length > 0;
    fillTable($('proxy'), rows);
  }

  function renderCutover(cutover, fence) {
    const box = $('cutover');
    box.replaceChildren();
    if (!cutover || Object.keys(cutover).length === 0) {
      box.append(para('not started', 'muted'));
    } else {
      const head = document.createElement('div');
      head.className = 'cutover-head';
      const pill = document.createElement('span');
      pill.className = 'pill';
      pill.id = 'cutover-state';
      pill.dataset.status = cutover.state || 'unknown';
      pill.textContent = cutover.state || '?';
      const title = document.createElement('strong');
      const position = cutover.index != null && cutover.of != null ? ` ${cutover.index}/${cutover.of}` : '';
      const batchName = cutover.batch != null && typeof cutover.batch !== 'object' ? ` (${cutover.batch})` : '';
      title.textContent = `batch${position}${batchName}`;
      head.append(title, pill);
      box.append(head);
      if (cutover.percentage != null) {
        const bar = document.createElement('progress');
        bar.max = 100;
        bar.value = cutover.percentage;
        box.append(bar, para(`${cutover.percentage}% of reads go to the target`));
      }
      const gate = [];
      if (cutover.batch != null && typeof cutover.batch === 'object') {
        gate.push(['batch', Object.entries(cutover.batch).map(([k, v]) => `${k} ${show(v)}`).join(', ')]);
      }
      if (cutover.reason) {
        gate.push(['gate', cutover.reason]);
      }
      if (cutover.mismatches != null) {
        gate.push(['mismatches', number.format(cutover.mismatches)]);
      }
      if (cutover.holdUntil) {
        gate.push(['hold until', new Date(cutover.holdUntil).toLocaleTimeString()]);
      }
      const known = ['batch', 'index', 'of', 'percentage', 'state', 'reason', 'mismatches', 'holdUntil'];
      for (const [k, v] of Object.entries(cutover)) {
        if (!known.includes(k) && v != null) {
          gate.push([k, show(v)]);
        }
      }
      const table = document.createElement('table');
      table.className = 'kv';
      table.append(document.createElement('tbody'));
      fillTable(table, gate);
      box.append(table);
    }
    const fenceBox = $('fence');
    fenceBox.replaceChildren();
    if (!fence || Object.keys(fence).length === 0) {
      fenceBox.append(para('no fence yet', 'muted'));
      return;
    }
    const other = Object.entries(fence).filter(([k, v]) => k !== 'attempts' && v != null).map(([k, v]) => [k, show(v)]);
    if (other.length) {
      const table = document.createElement('table');
      table.className = 'kv';
      table.append(document.createElement('tbody'));
      fillTable(table, other);
      fenceBox.append(table);
    }
    const attempts = Array.isArray(fence.attempts) ? fence.attempts : [];
    if (attempts.length) {
      const table = document.createElement('table');
      table.className = 'attempts';
      const header = table.createTHead().insertRow();
      for (const h of ['#', 'pause', 'outcome', 'reason']) {
        const th = document.createElement('th');
        th.textContent = h;
        header.append(th);
      }
      const body = table.createTBody();
      attempts.forEach((a, i) => {
        const row = body.insertRow();
        for (const v of [i + 1, a.pauseMs != null ? number.format(a.pauseMs) + ' ms' : '', a.outcome || '', a.reason || '']) {
          row.insertCell().textContent = String(v);
        }
      });
      fenceBox.append(table);
    }
  }

  function appendEvent(event) {
    const log = $('event-log');
    const item = document.createElement('li');
    item.dataset.type = event.type;
    item.dataset.seq = String(event.seq);
    const time = document.createElement('time');
    time.textContent = event.ts ? new Date(event.ts).toLocaleTimeString() : '';
    const type = document.createElement('span');
    type.className = 'event-type';
    type.textContent = (event.stage ? `[${event.stage}] ` : '') + event.type;
    const message = document.createElement('span');
    message.className = 'event-message';
    message.textContent = event.message || '';
    item.append(time, type, message);
    log.prepend(item);
    while (log.children.length > MAX_LOG) {
      log.lastElementChild.remove();
    }
  }

  function fillTable(table, rows) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const [k, v] of rows) {
      const row = body.insertRow();
      row.dataset.key = k;
      const th = document.createElement('th');
      th.textContent = k;
      row.append(th);
      row.insertCell().textContent = v;
    }
  }

  function para(text, cls) {
    const p = document.createElement('p');
    p.textContent = text;
    if (cls) {
      p.className = cls;
    }
    return p;
  }

  function show(v) {
    if (typeof v === 'number') {
      return number.format(v);
    }
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) {
      return s + ' s';
    }
    if (s < 3600) {
      return `${Math.floor(s / 60)} m ${s % 60} s`;
    }
    return `${Math.floor(s / 3600)} h ${Math.floor(s % 3600 / 60)} m`;
  }

  // Running stages' durations tick locally; no call to the service.
  setInterval(() => {
    for (const row of document.querySelectorAll('#stages li[data-status="running"]')) {
      const began = Number(row.dataset.started);
      if (began) {
        row.querySelector('.stage-duration').textContent = duration((Date.now() - began) / 1000);
      }
    }
  }, 1000);

  window.addEventListener('pagehide', stopEvents);
  window.addEventListener('pageshow', e => {
    if (e.persisted && token()) {
      open();
    }
  });

  if (token()) {
    open();
  } else {
    askForToken('');
  }
})();
