// swarm leads' dashboard: signs in with a token, subscribes to the hub's `metrics` channel over
// the WebSocket (/v1/ws, through the client both pages share: swarm-socket.mjs) and redraws on every
// `metrics.updated` frame. An ES module, no other dependency, no build step. Every piece of data
// reaches the DOM through textContent or setAttribute, never as markup. Headline numbers carry
// data-metric="<mode>.<field>" (the browser test reads them).
import { SwarmSocket } from './swarm-socket.mjs';

(function () {
  'use strict';

  const TOKEN_KEY = 'swarm.dashboard.token';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const KNOWN_MODES = ['swarm', 'tiered', 'hybrid'];

  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $('status'), statusDetail: $('status-detail'), error: $('error'), session: $('session'), who: $('who'),
    logout: $('logout'), loginView: $('login-view'), login: $('login'), token: $('token'),
    loginSubmit: $('login-submit'), main: $('dashboard'), waiting: $('waiting'), scope: $('scope'),
    modes: $('modes'), vias: $('vias'), legend: $('legend'), agents: $('agents'), filters: $('filters'),
    filterQueue: $('filter-queue'), filterMode: $('filter-mode'), filterPriority: $('filter-priority'),
    filterFrom: $('filter-from'), filterTo: $('filter-to'), filterClear: $('filter-clear'), csv: $('csv'),
    breachesCaption: $('breaches-caption'), backlogCaption: $('backlog-caption'),
  };

  // ---------------------------------------------------------------- formatting

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const DASH = '—';
  const intFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const decFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const pctFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  const fmt = {
    count: (v) => (isNum(v) ? intFormat.format(v) : DASH),
    decimal: (v) => (isNum(v) ? decFormat.format(v) : DASH),
    percent: (v) => (isNum(v) ? pctFormat.format(v) : DASH),
    duration: formatDuration,
  };

  /** Minutes (fractional) as a human duration: 45s, 42m, 3h 5m, 2d 4h. */
  function formatDuration(minutes) {
    if (!isNum(minutes)) return DASH;
    const m = Math.max(0, minutes);
    const seconds = Math.round(m * 60);
    if (seconds === 0) return '0m';
    if (seconds < 60) return `${seconds}s`;
    const wholeMinutes = Math.round(m);
    if (wholeMinutes < 60) return `${wholeMinutes}m`;
    if (wholeMinutes < 24 * 60) {
      const h = Math.floor(wholeMinutes / 60);
      const rest = wholeMinutes % 60;
      return rest ? `${h}h ${rest}m` : `${h}h`;
    }
    const hours = Math.round(m / 60);
    const d = Math.floor(hours / 24);
    const rest = hours % 24;
    return rest ? `${d}d ${rest}h` : `${d}d`;
  }

  function parseDate(text) {
    if (typeof text !== 'string') return null;
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  function modeClass(mode) {
    return KNOWN_MODES.includes(mode) ? `mode-${mode}` : 'mode-other';
  }

  /** `obj.a.b` for the path "a.b"; undefined if any step is missing. */
  function pick(obj, path) {
    let v = obj;
    for (const key of path.split('.')) {
      if (v === null || typeof v !== 'object') return undefined;
      v = v[key];
    }
    return v;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, parent) {
    const node = document.createElementNS(SVG_NS, tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function svgTitle(parent, text) {
    const t = svg('title', null, parent);
    t.textContent = text;
    return t;
  }

  // ---------------------------------------------------------------- status and errors

  const state = {
    token: null,
    welcome: null,
    seq: null,
    lastUpdate: null,
    liveReport: null,
    shownReport: null,
    filters: null,
    filterRequest: 0,
    filterBusy: false,
    filterDirty: false,
  };

  // #status (a polite live region) holds only the connection state, so a screen reader hears
  // "Live" or "Reconnecting…" when it changes, not every update; the details are beside it.
  function setStatus(kind, text, detail) {
    ui.status.setAttribute('data-state', kind);
    if (ui.status.textContent !== text) ui.status.textContent = text;
    ui.statusDetail.textContent = detail || '';
  }

  function updateLiveStatus() {
    const kind = socket.status;
    const text = { live: 'Live', 'signed-out': 'Signed out', reconnecting: 'Reconnecting…', connecting: 'Connecting…' }[kind];
    const parts = [];
    if (kind === 'reconnecting' && socket.unreachable) parts.push('cannot reach the hub');
    if (state.lastUpdate) parts.push(`last update ${timeFormat.format(state.lastUpdate)}`);
    if (isNum(state.seq)) parts.push(`seq ${state.seq}`);
    setStatus(kind, text, parts.map((p) => `· ${p}`).join(' '));
    ui.main.classList.toggle('stale', !socket.live && !socket.stopped && state.liveReport !== null);
  }

  function showError(text) { ui.error.textContent = text || ''; }

  function article(word) { return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`; }

  // ---------------------------------------------------------------- views

  function showLogin() {
    ui.loginView.hidden = false;
    ui.main.hidden = true;
    ui.session.hidden = true;
  }

  function showDashboard() {
    ui.loginView.hidden = true;
    ui.main.hidden = false;
    ui.session.hidden = false;
  }

  function clearReport() {
    state.liveReport = null;
    state.shownReport = null;
    state.seq = null;
    state.lastUpdate = null;
    ui.modes.tHead.rows[0].replaceChildren(el('th', { scope: 'col' }, 'Metric'));
    ui.modes.tBodies[0].replaceChildren();
    ui.vias.tHead.rows[0].replaceChildren(el('th', { scope: 'col' }, 'Metric'));
    ui.vias.tBodies[0].replaceChildren();
    ui.agents.tBodies[0].replaceChildren();
    ui.legend.replaceChildren();
    for (const plot of document.querySelectorAll('.chart .plot')) plot.replaceChildren();
    ui.scope.textContent = '';
    ui.waiting.hidden = false;
  }

  // ---------------------------------------------------------------- connection

  // The metrics channel has no events, so there is nothing to resume: after a reconnect the
  // subscription's first metrics.updated carries the current report (Protocol/README.md §11).
  const socket = new SwarmSocket({
    client: 'dashboard',
    channels: () => ['metrics'],
    onChange: updateLiveStatus,
    onWelcome(welcome) {
      state.welcome = { agent: String(welcome.agent ?? ''), role: String(welcome.role ?? '') };
      ui.who.textContent = `${state.welcome.agent} (${state.welcome.role})`;
      if (isNum(welcome.seq) && state.seq === null) state.seq = welcome.seq;
    },
    onSubscribed(ack) {
      if (isNum(ack.seq)) state.seq = ack.seq;
      showError('');
      showDashboard();
      updateLiveStatus();
    },
    onMetrics(frame) {
      if (frame.report && typeof frame.report === 'object') onLiveReport(frame);
    },
    onRefused() {
      refuse('Unknown or revoked token. Check it, or ask an admin for a new one.');
    },
    onSubscribeError(frame) {
      const code = String(frame.code ?? '');
      if (code === 'unauthorized') {
        refuse('Unknown or revoked token. Check it, or ask an admin for a new one.');
      } else if (code === 'forbidden') {
        const role = state.welcome?.role || 'non-lead';
        const who = state.welcome?.agent ? ` (${state.welcome.agent})` : '';
        refuse(`Leads only: this token is ${article(role)}'s${who}. Sign in with a lead or admin token.`);
      } else {
        refuse(`The hub refused the metrics subscription: ${code}: ${String(frame.message ?? '')}`);
      }
    },
    onHelloFailed(frame) {
      // e.g. internal "could not check the token": the socket tries again later.
      showError(`The hub could not sign you in (${String(frame.code ?? '')}: ${String(frame.message ?? '')}); retrying.`);
    },
  });

  function start(token) {
    state.token = token;
    socket.start(token);
  }

  function stop() {
    socket.stop();
  }

  /** The token cannot be used: forget it, stop, and show the login form with the reason. */
  function refuse(text) {
    stop();
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearReport();
    showError(text);
    showLogin();
    setStatus('signed-out', 'Signed out');
    ui.token.focus();
  }

  function logOut() {
    stop();
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearReport();
    showError('');
    showLogin();
    setStatus('signed-out', 'Signed out');
    ui.token.value = '';
    ui.token.focus();
  }

  // ---------------------------------------------------------------- reports

  function onLiveReport(frame) {
    state.liveReport = frame.report;
    if (isNum(frame.seq)) state.seq = frame.seq;
    else if (isNum(frame.report.seq)) state.seq = frame.report.seq;
    state.lastUpdate = new Date();
    updateLiveStatus();
    if (state.filters) refreshFiltered();
    else render(frame.report, false);
  }

  // Filters apply to the REST report (the live channel carries the whole log's report); a filtered
  // view is fetched again on each live update so it stays current.
  function filterParams(extra) {
    const params = new URLSearchParams(extra || {});
    const f = state.filters;
    if (f) for (const [k, v] of Object.entries(f)) if (v) params.set(k, v);
    return params;
  }

  function readFilters() {
    const f = {
      queue: ui.filterQueue.value.trim(),
      mode: ui.filterMode.value,
      priority: ui.filterPriority.value,
      from: dayStart(ui.filterFrom.value, 0),
      to: dayStart(ui.filterTo.value, 1),
    };
    return Object.values(f).some(Boolean) ? f : null;
  }

  /** "2026-11-23" as the ISO instant of local midnight, plus `addDays` days. */
  function dayStart(value, addDays) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
    if (!m) return '';
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays).toISOString();
  }

  async function fetchMetrics(params) {
    const response = await fetch(`/v1/metrics?${params}`, {
      headers: { Authorization: `Bearer ${state.token}` }, cache: 'no-store',
    });
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try {
        const body = await response.json();
        if (body && body.error) message = `${body.error.code}: ${body.error.message}`;
      } catch (_) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  async function refreshFiltered() {
    if (state.filterBusy) { state.filterDirty = true; return; }
    state.filterBusy = true;
    const request = ++state.filterRequest;
    try {
      const response = await fetchMetrics(filterParams());
      const report = await response.json();
      if (request === state.filterRequest && state.filters && state.token) render(report, true);
    } catch (err) {
      if (request === state.filterRequest) showError(`Could not load the filtered report: ${err.message}`);
    } finally {
      state.filterBusy = false;
      if (state.filterDirty) { state.filterDirty = false; refreshFiltered(); }
    }
  }

  async function downloadCSV() {
    ui.csv.disabled = true;
    try {
      const response = await fetchMetrics(filterParams({ format: 'csv' }));
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: `swarm-metrics-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv` });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      showError(`Could not download the CSV: ${err.message}`);
    } finally {
      ui.csv.disabled = false;
    }
  }

  // ---------------------------------------------------------------- rendering

  // Rows of the comparison table. better: which direction is better, for bolding the best mode.
  const ROWS = [
    { group: 'Volume' },
    { label: 'Opened', field: 'opened', format: 'count' },
    { label: 'Resolved', field: 'resolved', format: 'count' },
    { label: 'Backlog (open now)', field: 'backlog', format: 'count' },
    { label: 'Backlog age, median', field: 'backlogAge.median', format: 'duration' },
    { group: 'Speed' },
    { label: 'First response, median', field: 'firstResponse.median', format: 'duration', better: 'low' },
    { label: 'First response, p90', field: 'firstResponse.p90', format: 'duration', better: 'low' },
    { label: 'Time to resolve, median', field: 'resolve.median', format: 'duration', better: 'low' },
    { label: 'Time to resolve, p90', field: 'resolve.p90', format: 'duration', better: 'low' },
    { group: 'Collaboration' },
    { label: 'Hand-offs per ticket', field: 'handoffsPerTicket', format: 'decimal', better: 'low', hint: handoffHint },
    { label: 'Agents per ticket', field: 'agentsPerTicket', format: 'decimal' },
    { label: 'Collaboration rate', field: 'collaborationRate', format: 'percent' },
    { group: 'Outcomes' },
    { label: 'First-contact resolution', field: 'firstContactResolutionRate', format: 'percent', better: 'high' },
    { label: 'Reopened', field: 'reopenRate', format: 'percent', better: 'low' },
    { label: 'Escalated', field: 'escalationRate', format: 'percent', better: 'low' },
    { label: 'SLA breached', field: 'slaBreachRate', format: 'percent', better: 'low' },
    { label: 'Deflected by the KB', field: 'deflectionRate', format: 'percent', better: 'high' },
    { group: 'Effort' },
    { label: 'Effort per ticket', field: 'effortPerTicket', format: 'duration', better: 'low' },
    { label: 'Effort in total', field: 'effortMinutes', format: 'duration' },
    { label: 'Utilisation', field: 'utilisation', format: 'percent' },
  ];

  function handoffHint(m) {
    if (!isNum(m.handoffs)) return null;
    const parts = [`${fmt.count(m.handoffs)} hand-offs`];
    if (isNum(m.tierChanges) || isNum(m.ownerChanges)) {
      parts.push(`${fmt.count(m.tierChanges)} tier changes, ${fmt.count(m.ownerChanges)} owner changes`);
    }
    return parts.join(': ');
  }

  function modesOf(report) {
    return Array.isArray(report.modes)
      ? report.modes.filter((m) => m && typeof m === 'object' && typeof m.mode === 'string')
      : [];
  }

  /** The ways in (report.byVia) that brought at least one counted ticket, in the report's order. */
  function viasOf(report) {
    return Array.isArray(report.byVia)
      ? report.byVia.filter((v) => v && typeof v === 'object' && typeof v.via === 'string' && isNum(v.opened) && v.opened > 0)
      : [];
  }

  function render(report, filtered) {
    state.shownReport = report;
    ui.waiting.hidden = true;
    const modes = modesOf(report);
    renderScope(report, filtered);
    renderFigures(ui.modes, modes, 'mode');
    renderFigures(ui.vias, viasOf(report), 'via');
    renderLegend(modes);
    renderCharts(report, modes);
    renderAgents(Array.isArray(report.agents) ? report.agents : []);
  }

  function renderScope(report, filtered) {
    const parts = [];
    parts.push(report.queue ? `queue ${report.queue}` : 'all queues');
    if (report.mode) parts.push(`${report.mode} only`);
    if (report.priority) parts.push(`priority ${report.priority}`);
    const from = parseDate(report.from);
    const to = parseDate(report.to);
    if (from || to) {
      parts.push(`${from ? dateTimeFormat.format(from) : 'start'} – ${to ? dateTimeFormat.format(to) : 'now'}`);
    } else {
      parts.push('all time');
    }
    const asOf = parseDate(report.asOf);
    if (asOf) parts.push(`as of ${timeFormat.format(asOf)}`);
    if (filtered) parts.push('filtered (refreshed on each live update)');
    ui.scope.textContent = parts.join(' · ');
  }

  /**
   * One table of figures, a column per entry of `modes`: the routing modes (`key` 'mode', with their
   * colour swatches) or the ways tickets came in (`key` 'via').
   */
  function renderFigures(table, modes, key) {
    const headRow = table.tHead.rows[0];
    const head = [el('th', { scope: 'col' }, 'Metric')];
    for (const m of modes) {
      const th = el('th', { scope: 'col', [`data-${key}`]: m[key] });
      if (key === 'mode') th.appendChild(el('span', { class: `swatch ${modeClass(m.mode)}`, 'aria-hidden': 'true' }));
      th.appendChild(document.createTextNode(m[key]));
      head.push(th);
    }
    headRow.replaceChildren(...head);

    const body = [];
    if (modes.length === 0) {
      const tr = el('tr');
      tr.appendChild(el('td', { colspan: 1 }, key === 'mode' ? 'No data yet.' : 'No tickets yet.'));
      body.push(tr);
    }
    for (const row of modes.length ? ROWS : []) {
      if (row.group) {
        const tr = el('tr', { class: 'group' });
        tr.appendChild(el('th', { scope: 'colgroup', colspan: modes.length + 1 }, row.group));
        body.push(tr);
        continue;
      }
      const tr = el('tr', { 'data-row': row.field });
      tr.appendChild(el('th', { scope: 'row' }, row.label));
      const values = modes.map((m) => pick(m, row.field));
      const best = bestIndex(values, row.better);
      modes.forEach((m, i) => {
        const v = values[i];
        const td = el('td', {
          'data-metric': `${m[key]}.${row.field}`,
          'data-value': isNum(v) ? v : '',
        }, fmt[row.format](v));
        if (!isNum(v)) {
          td.classList.add('absent');
          td.setAttribute('title', 'no data (nothing to divide by yet)');
        }
        const hint = row.hint ? row.hint(m) : null;
        if (hint) td.setAttribute('title', hint);
        if (i === best) {
          td.classList.add('best');
          td.appendChild(el('span', { class: 'sr-only' }, ' (best)'));
        }
        tr.appendChild(td);
      });
      body.push(tr);
    }
    table.tBodies[0].replaceChildren(...body);
  }

  /** The index of the one best value, or -1 (fewer than two values, a tie, or no direction). */
  function bestIndex(values, better) {
    if (!better) return -1;
    const present = values.map((v, i) => [v, i]).filter(([v]) => isNum(v));
    if (present.length < 2) return -1;
    present.sort((a, b) => (better === 'low' ? a[0] - b[0] : b[0] - a[0]));
    return present[0][0] === present[1][0] ? -1 : present[0][1];
  }

  function renderLegend(modes) {
    ui.legend.replaceChildren(...modes.map((m) => {
      const li = el('li', { 'data-mode': m.mode });
      li.appendChild(el('span', { class: `swatch ${modeClass(m.mode)}`, 'aria-hidden': 'true' }));
      li.appendChild(document.createTextNode(m.mode));
      return li;
    }));
  }

  function renderAgents(agents) {
    const rows = agents.filter((a) => a && typeof a === 'object').map((a) => {
      const tr = el('tr', { 'data-agent': String(a.agent ?? '') });
      tr.appendChild(el('th', { scope: 'row' }, String(a.agent ?? '?')));
      const cells = [
        ['tickets', fmt.count], ['owned', fmt.count], ['resolved', fmt.count],
        ['effortMinutes', fmt.duration], ['contributionMinutes', fmt.duration],
        ['contributedTickets', fmt.count], ['utilisation', fmt.percent],
      ];
      for (const [field, f] of cells) {
        const v = a[field];
        tr.appendChild(el('td', {
          class: isNum(v) ? 'num' : 'num absent', 'data-field': field, 'data-value': isNum(v) ? v : '',
        }, f(v)));
      }
      return tr;
    });
    if (rows.length === 0) {
      const tr = el('tr', { class: 'empty' });
      tr.appendChild(el('td', { colspan: 8 }, 'No agent has worked on a ticket yet.'));
      rows.push(tr);
    }
    ui.agents.tBodies[0].replaceChildren(...rows);
  }

  // ---------------------------------------------------------------- charts

  function renderCharts(report, modes) {
    const bucket = ['hour', 'day', 'week'].includes(report.timelineBucket) ? report.timelineBucket : 'hour';
    ui.breachesCaption.textContent = `SLA breaches per ${bucket}`;
    ui.backlogCaption.textContent = `Backlog (open tickets) at the end of each ${bucket}`;

    const resolveCats = categories(modes, 'resolveHistogram', (b) => String(b.label ?? (isNum(b.upTo) ? `≤${formatDuration(b.upTo)}` : '?')));
    groupedBars(plot('resolve'), {
      title: 'Time to resolve, per mode',
      unit: 'tickets',
      categories: resolveCats,
      series: modes.map((m) => ({ mode: m.mode, values: valuesBy(m.resolveHistogram, resolveCats.keyOf, (b) => b.count) })),
      emptyText: 'No resolved tickets yet',
    });

    const handoffCats = categories(modes, 'handoffHistogram', (b) => (isNum(b.handoffs) ? `${b.handoffs}${b.orMore ? '+' : ''}` : '?'));
    groupedBars(plot('handoffs'), {
      title: 'Hand-offs per ticket, per mode',
      unit: 'tickets',
      categories: handoffCats,
      series: modes.map((m) => ({ mode: m.mode, values: valuesBy(m.handoffHistogram, handoffCats.keyOf, (b) => b.count) })),
      emptyText: 'No tickets yet',
      xTitle: 'hand-offs',
    });

    const timeCats = timelineCategories(modes, bucket);
    groupedBars(plot('breaches'), {
      title: `SLA breaches per ${bucket}, per mode`,
      unit: 'breaches',
      categories: timeCats,
      series: modes.map((m) => ({ mode: m.mode, values: valuesBy(m.timeline, timeCats.keyOf, (t) => t.breaches) })),
      emptyText: timeCats.list.length ? 'No SLA breaches' : 'No tickets yet',
    });
    lines(plot('backlog'), {
      title: `Backlog at the end of each ${bucket}, per mode`,
      unit: 'open tickets',
      categories: timeCats,
      series: modes.map((m) => ({ mode: m.mode, values: valuesBy(m.timeline, timeCats.keyOf, (t) => t.backlog) })),
      emptyText: 'No tickets yet',
    });
  }

  function plot(name) { return document.querySelector(`.chart[data-chart="${name}"] .plot`); }

  /** The union, in first-seen order, of the bins of every mode's histogram. */
  function categories(modes, key, labelOf) {
    const list = [];
    const seen = new Set();
    for (const m of modes) {
      for (const b of Array.isArray(m[key]) ? m[key] : []) {
        if (!b || typeof b !== 'object') continue;
        const label = labelOf(b);
        if (!seen.has(label)) { seen.add(label); list.push({ key: label, label, long: label }); }
      }
    }
    return { list, keyOf: labelOf };
  }

  function timelineCategories(modes, bucket) {
    const starts = new Map();
    for (const m of modes) {
      for (const t of Array.isArray(m.timeline) ? m.timeline : []) {
        const d = t && parseDate(t.start);
        if (d) starts.set(t.start, d);
      }
    }
    const sorted = [...starts.entries()].sort((a, b) => a[1] - b[1]);
    const list = sorted.map(([key, d]) => {
      const day = dayFormat.format(d);
      if (bucket === 'hour') return { key, group: day, label: hourFormat.format(d), long: `${day} ${hourFormat.format(d)}` };
      if (bucket === 'week') return { key, label: `w/c ${day}`, long: `the week of ${day}` };
      return { key, label: day, long: day };
    });
    return { list, keyOf: (t) => t.start };
  }

  function valuesBy(items, keyOf, valueOf) {
    const map = new Map();
    for (const item of Array.isArray(items) ? items : []) {
      if (!item || typeof item !== 'object') continue;
      const v = valueOf(item);
      map.set(keyOf(item), isNum(v) ? v : 0);
    }
    return map;
  }

  const W = 480;
  const H = 260;
  const M = { top: 10, right: 10, bottom: 34, left: 38 };

  /** Whole-number y ticks: about four steps of 1, 2 or 5 × 10^n up to at least `max`. */
  function niceScale(max) {
    if (!(max > 0)) return { top: 1, step: 1 };
    const rough = max / 4;
    const pow = 10 ** Math.floor(Math.log10(rough));
    const step = Math.max(1, [1, 2, 5, 10].map((s) => s * pow).find((s) => s >= rough));
    return { top: Math.ceil(max / step) * step, step };
  }

  /** An empty chart frame: the svg with its title/desc, y gridlines and axes; returns helpers. */
  function frame(container, opts, max) {
    const id = container.closest('.chart').getAttribute('data-chart');
    const root = svg('svg', {
      viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`,
      preserveAspectRatio: 'xMidYMid meet',
    });
    svgTitle(root, opts.title).setAttribute('id', `${id}-title`);
    const desc = svg('desc', { id: `${id}-desc` }, root);
    const plotW = W - M.left - M.right;
    const plotH = H - M.top - M.bottom;
    const scale = niceScale(max);
    const y = (v) => M.top + plotH - (v / scale.top) * plotH;
    for (let v = 0; v <= scale.top + 1e-9; v += scale.step) {
      svg('line', { class: 'gridline', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }, root);
      const t = svg('text', { x: M.left - 5, y: y(v) + 3.5, 'text-anchor': 'end' }, root);
      t.textContent = fmt.count(v);
    }
    svg('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: y(0), y2: y(0) }, root);
    const n = Math.max(1, opts.categories.list.length);
    const band = plotW / n;
    // Show as many x labels as fit; a label names its group (the day) when that changes.
    const longest = Math.max(1, ...opts.categories.list.map((c) => (c.group ? c.group.length + 1 : 0) + c.label.length));
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / (longest * 6.2 + 10)))));
    let lastGroup = '';
    opts.categories.list.forEach((c, i) => {
      if (i % every !== 0) return;
      const t = svg('text', { x: M.left + band * (i + 0.5), y: H - M.bottom + 14, 'text-anchor': 'middle' }, root);
      t.textContent = c.group && c.group !== lastGroup ? `${c.group} ${c.label}` : c.label;
      if (c.group) lastGroup = c.group;
    });
    if (opts.xTitle) {
      const t = svg('text', { x: M.left + plotW / 2, y: H - 4, 'text-anchor': 'middle' }, root);
      t.textContent = opts.xTitle;
    }
    container.replaceChildren(root);
    return { root, desc, y, band, plotW, plotH };
  }

  function emptyNote(f, text) {
    const t = svg('text', { class: 'empty', x: M.left + f.plotW / 2, y: M.top + f.plotH / 2, 'text-anchor': 'middle' }, f.root);
    t.textContent = text;
  }

  function seriesTotals(series) {
    return series.map((s) => `${s.mode} ${fmt.count([...s.values.values()].reduce((a, b) => a + b, 0))}`).join(', ');
  }

  function groupedBars(container, opts) {
    const cats = opts.categories.list;
    let max = 0;
    for (const s of opts.series) for (const v of s.values.values()) max = Math.max(max, v);
    const f = frame(container, opts, max);
    const nSeries = Math.max(1, opts.series.length);
    const inner = f.band * (cats.length > 24 ? 0.9 : 0.8);
    const barW = inner / nSeries;
    const g = svg('g', { class: 'bars' }, f.root);
    cats.forEach((c, i) => {
      opts.series.forEach((s, j) => {
        const v = s.values.get(c.key) ?? 0;
        const x = M.left + f.band * i + (f.band - inner) / 2 + barW * j;
        const top = f.y(v);
        const rect = svg('rect', {
          class: `bar ${modeClass(s.mode)}`, x: x.toFixed(2), y: top.toFixed(2),
          width: Math.max(0.5, barW - (nSeries > 1 && barW > 3 ? 1 : 0)).toFixed(2),
          height: Math.max(0, f.y(0) - top).toFixed(2),
          'data-mode': s.mode, 'data-key': c.key, 'data-count': v,
        }, g);
        svgTitle(rect, `${s.mode}, ${c.long}: ${fmt.count(v)} ${opts.unit}`);
      });
    });
    f.desc.textContent = cats.length
      ? `Bars per ${opts.xTitle || 'range'} for each mode. Totals: ${seriesTotals(opts.series)} ${opts.unit}.`
      : 'No data yet.';
    if (max === 0) emptyNote(f, opts.emptyText);
  }

  function lines(container, opts) {
    const cats = opts.categories.list;
    let max = 0;
    for (const s of opts.series) for (const v of s.values.values()) max = Math.max(max, v);
    const f = frame(container, opts, max);
    const g = svg('g', { class: 'lines' }, f.root);
    for (const s of opts.series) {
      const points = [];
      cats.forEach((c, i) => {
        if (!s.values.has(c.key)) return;
        points.push([M.left + f.band * (i + 0.5), f.y(s.values.get(c.key)), c, s.values.get(c.key)]);
      });
      if (points.length > 1) {
        svg('polyline', {
          class: `line ${modeClass(s.mode)}`, 'data-mode': s.mode,
          points: points.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(' '),
        }, g);
      }
      const r = points.length > 60 ? 1.5 : 3;
      for (const [x, y, c, v] of points) {
        const dot = svg('circle', {
          class: `point ${modeClass(s.mode)}`, cx: x.toFixed(2), cy: y.toFixed(2), r,
          'data-mode': s.mode, 'data-key': c.key, 'data-count': v,
        }, g);
        svgTitle(dot, `${s.mode}, ${c.long}: ${fmt.count(v)} ${opts.unit}`);
      }
    }
    if (cats.length === 0) {
      f.desc.textContent = 'No data yet.';
      emptyNote(f, opts.emptyText);
    } else {
      const last = opts.series.map((s) => `${s.mode} ${fmt.count(s.values.get(cats[cats.length - 1].key) ?? 0)}`).join(', ');
      f.desc.textContent = `A line per mode. Latest: ${last} ${opts.unit}.`;
    }
  }

  // ---------------------------------------------------------------- wiring

  ui.login.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = ui.token.value.trim();
    if (!token) {
      showError('Enter a token.');
      ui.token.focus();
      return;
    }
    ui.token.value = '';
    showError('');
    clearReport();
    sessionStorage.setItem(TOKEN_KEY, token);
    start(token);
  });

  ui.logout.addEventListener('click', logOut);

  ui.filters.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = readFilters();
    showError('');
    if (state.filters) refreshFiltered();
    else if (state.liveReport) render(state.liveReport, false);
  });

  ui.filterClear.addEventListener('click', () => {
    ui.filters.reset();
    state.filters = null;
    state.filterRequest += 1;
    showError('');
    if (state.liveReport) render(state.liveReport, false);
  });

  ui.csv.addEventListener('click', downloadCSV);

  // The browser came back online, or the tab became visible: retry at once rather than after the backoff.
  window.addEventListener('online', () => socket.reconnectNow());
  document.addEventListener('visibilitychange', () => { if (!document.hidden) socket.reconnectNow(); });

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    showDashboard();
    start(saved);
  } else {
    showLogin();
    setStatus('signed-out', 'Signed out');
    ui.token.focus();
  }
})();
