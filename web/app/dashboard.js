// Dashboard (permission `desk:reports`: team leads through the roles
// approver and compliance, administrators): team-level figures, never per
// person. Reads GET /api/v1/desk/teams/{id}/report (response and resolution
// times, share within SLA, volume per channel and hour) and
// GET /api/v1/reports/verdicts (the replies sent per guideline category and
// day) and draws them with uPlot, which the server serves itself from
// /vendor/uplot.js (no CDN; see src/server/CMakeLists.txt). Each chart has
// its figures as a table under "Show data" for screen readers and keyboards.
import { get } from './api.js';
import { h, replace, announce, inlineField, pageSection } from './dom.js';
import { t, fmtNumber, fmtDate, locale } from './i18n.js';

const DAY = 86400000;
const CHART_HEIGHT = 190;
const SMALL_FONT = '11px system-ui, sans-serif';
// Series colours with at least 4.5:1 contrast on white.
const COLOURS = ['#0b5cad', '#b3261e', '#1a6b34', '#6b3fa0', '#8a5300', '#005f73', '#8e2157', '#4f5863'];

let uplotPromise = null;
function loadUplot() {
  if (!uplotPromise) {
    if (!document.querySelector('link[data-vendor="uplot"]')) {
      document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/uplot.css', dataset: { vendor: 'uplot' } }));
    }
    uplotPromise = import('/vendor/uplot.js').then((m) => m.default);
  }
  return uplotPromise;
}

// "≤ 15 min", "≤ 4 h", "> 3 d" for the histogram buckets.
function durationLabel(ms, above) {
  let s;
  if (ms >= DAY && ms % DAY === 0) s = t('dash.days', { n: ms / DAY });
  else if (ms >= 3600000) s = t('dash.hours', { n: ms / 3600000 });
  else s = t('dash.minutes', { n: Math.round(ms / 60000) });
  return `${above ? '>' : '≤'}${s}`;
}

function durationText(ms) {
  if (ms === null || ms === undefined || ms < 0) return '–';
  if (ms >= DAY) return t('dash.days', { n: fmtNumber(ms / DAY, { maximumFractionDigits: 1 }) });
  if (ms >= 3600000) return t('dash.hours', { n: fmtNumber(ms / 3600000, { maximumFractionDigits: 1 }) });
  return t('dash.minutes', { n: fmtNumber(Math.round(ms / 60000)) });
}

function percent(v) {
  return v === null || v === undefined ? '–' : fmtNumber(v, { style: 'percent', maximumFractionDigits: 0 });
}

// uPlot's date formatting in the UI language: day and month, the hour where
// uPlot's template has one.
function axisDate(tpl) {
  const f = new Intl.DateTimeFormat(locale(), { month: 'short', day: 'numeric', hour: tpl.includes('{h') ? 'numeric' : undefined });
  return (d) => f.format(d);
}

function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export class DashboardPage {
  constructor(main, me) {
    this.me = me;
    this.charts = [];
    this.loadSeq = 0;
    this.team = h('select', { id: 'dash-team', onchange: () => this.load() });
    this.period = h(
      'select',
      { id: 'dash-period', onchange: () => this.load() },
      [7, 30, 90].map((d) => h('option', { value: d, selected: d === 30 }, t('dash.last_days', { n: d }))),
    );
    this.kpis = h('dl', { id: 'dash-kpis', class: 'kpis' });
    this.grid = h('div', { id: 'dash-charts', class: 'dash-grid', 'aria-live': 'polite' });
    this.err = h('p', { class: 'error', role: 'alert', hidden: true });
    this.root = pageSection(
      'dash',
      'dashboard',
      t('nav.dashboard'),
      h('p', { class: 'hint' }, t('dash.help')),
      h(
        'form',
        { class: 'row dash-filters', onsubmit: (e) => e.preventDefault() },
        inlineField('dash-team', t('dash.team'), this.team),
        inlineField('dash-period', t('dash.period'), this.period),
      ),
      this.err,
      this.kpis,
      this.grid,
    );
    replace(main, this.root);
    this.onResize = () => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.resize(), 150);
    };
    window.addEventListener('resize', this.onResize);
    this.init();
  }

  destroy() {
    this.loadSeq++;
    window.removeEventListener('resize', this.onResize);
    clearTimeout(this.resizeTimer);
    this.dropCharts();
  }

  onKey() {}

  dropCharts() {
    for (const c of this.charts) c.plot.destroy();
    this.charts = [];
  }

  async init() {
    let teams = [];
    if (this.me.permissions.includes('teams:read')) {
      try {
        teams = (await get('/api/v1/teams')).teams || [];
      } catch {
        teams = [];
      }
    }
    // The report is per team (GET …/teams/{id}/report); without a team
    // there is nothing to show.
    if (!teams.length) {
      this.err.textContent = t('dash.no_teams');
      this.err.hidden = false;
      return;
    }
    const saved = sessionStorage.getItem('lp.dash.team');
    replace(
      this.team,
      teams.map((tm) => h('option', { value: tm.id, selected: String(tm.id) === saved }, tm.name)),
    );
    await this.load();
  }

  async load() {
    const seq = ++this.loadSeq;
    sessionStorage.setItem('lp.dash.team', this.team.value);
    const team = Number(this.team.value) || 0;
    const to = Date.now();
    const from = to - Number(this.period.value) * DAY;
    this.err.hidden = true;
    this.grid.setAttribute('aria-busy', 'true');
    let report;
    let verdicts;
    let uPlot;
    try {
      [report, verdicts, uPlot] = await Promise.all([
        get(`/api/v1/desk/teams/${team}/report?from=${from}&to=${to}`),
        get(`/api/v1/reports/verdicts?team=${team}&from=${from}&to=${to}&bucket=day`),
        loadUplot(),
      ]);
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.grid.removeAttribute('aria-busy');
      this.err.textContent = e.message;
      this.err.hidden = false;
      announce(e.message, 'error');
      return;
    }
    if (seq !== this.loadSeq) return;
    this.uPlot = uPlot;
    this.grid.removeAttribute('aria-busy');
    this.renderKpis(report, verdicts);
    this.renderCharts(report, verdicts);
  }

  renderKpis(r, v) {
    const kpi = (id, label, value) => h('div', { class: 'kpi card', id }, h('dt', {}, label), h('dd', {}, value));
    replace(
      this.kpis,
      kpi('kpi-conversations', t('dash.conversations'), fmtNumber(r.conversations)),
      kpi('kpi-answered', t('dash.answered'), fmtNumber(r.answered)),
      kpi('kpi-resolved', t('dash.resolved'), fmtNumber(r.resolved)),
      kpi('kpi-first-p50', t('dash.first_p50'), durationText(r.first_response.count ? r.first_response.p50_ms : null)),
      kpi('kpi-first-sla', t('dash.first_sla'), percent(r.first_response_within_sla)),
      kpi('kpi-resolution-sla', t('dash.resolution_sla'), percent(r.resolution_within_sla)),
      kpi('kpi-replies', t('dash.replies_checked'), fmtNumber(v.replies)),
    );
  }

  // One figure: heading, the chart, a sentence, the figures as a table.
  figure(id, title, summary, table) {
    const plotBox = h('div', { class: 'chart-box', id: `${id}-plot` });
    const fig = h(
      'figure',
      { class: 'chart card', id, 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-summary` },
      h('h2', { id: `${id}-title` }, title),
      plotBox,
      h('figcaption', { id: `${id}-summary`, class: 'hint' }, summary),
      h('details', { class: 'chart-data' }, h('summary', {}, t('dash.show_data')), table),
    );
    return { fig, plotBox };
  }

  table(head, rows) {
    return h(
      'table',
      { class: 'data-table' },
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))),
    );
  }

  plot(box, opts, data) {
    const width = Math.max(280, box.clientWidth || 560);
    const plot = new this.uPlot({ width, height: CHART_HEIGHT, ...opts }, data, box);
    this.charts.push({ plot, box });
  }

  resize() {
    for (const c of this.charts) c.plot.setSize({ width: Math.max(280, c.box.clientWidth), height: CHART_HEIGHT });
  }

  // A histogram of durations as bars over the buckets.
  histogram(id, title, stats) {
    const buckets = stats.buckets || [];
    let prev = 0;
    const labels = buckets.map((b) => {
      const l = b.le_ms === null ? durationLabel(prev, true) : durationLabel(b.le_ms, false);
      if (b.le_ms !== null) prev = b.le_ms;
      return l;
    });
    const counts = buckets.map((b) => b.count);
    const summary = stats.count
      ? t('dash.hist_summary', { n: fmtNumber(stats.count), p50: durationText(stats.p50_ms), p90: durationText(stats.p90_ms) })
      : t('dash.no_data');
    const { fig, plotBox } = this.figure(id, title, summary, this.table([t('dash.duration'), t('dash.count')], labels.map((l, i) => [l, fmtNumber(counts[i])])));
    this.grid.append(fig);
    const xs = labels.map((_, i) => i);
    this.plot(
      plotBox,
      {
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        axes: [
          { splits: () => xs, values: (u, splits) => splits.map((i) => labels[i] ?? ''), size: 40, font: SMALL_FONT, gap: 4 },
          { values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? fmtNumber(v) : '')) },
        ],
        legend: { show: false },
        cursor: { show: false },
        series: [{}, { label: t('dash.count'), stroke: COLOURS[0], fill: 'rgba(11, 92, 173, 0.35)', paths: this.uPlot.paths.bars({ size: [0.7, 80] }), points: { show: false } }],
      },
      [xs, counts],
    );
  }

  // Share within SLA: two bars (first response, resolution) in percent.
  slaShares(r) {
    const labels = [t('dash.first_response'), t('dash.resolution')];
    const values = [r.first_response_within_sla, r.resolution_within_sla].map((v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10));
    const known = values.some((v) => v !== null);
    const { fig, plotBox } = this.figure(
      'chart-sla',
      t('dash.sla_title'),
      known ? t('dash.sla_summary', { first: percent(r.first_response_within_sla), resolution: percent(r.resolution_within_sla) }) : t('dash.sla_none'),
      this.table([t('dash.target'), t('dash.within')], labels.map((l, i) => [l, values[i] === null ? '–' : `${fmtNumber(values[i])} %`])),
    );
    this.grid.append(fig);
    this.plot(
      plotBox,
      {
        scales: { x: { time: false, range: [-0.5, 1.5] }, y: { range: [0, 100] } },
        axes: [{ splits: () => [0, 1], values: (u, s) => s.map((i) => labels[i] ?? '') }, { size: 60, values: (u, s) => s.map((v) => `${fmtNumber(v)} %`) }],
        legend: { show: false },
        cursor: { show: false },
        series: [{}, { label: t('dash.within'), stroke: COLOURS[2], fill: 'rgba(26, 107, 52, 0.35)', paths: this.uPlot.paths.bars({ size: [0.5, 120] }), points: { show: false } }],
      },
      [[0, 1], values.map((v) => v ?? 0)],
    );
  }

  // Messages per channel and hour (inbound and outbound together).
  volume(r) {
    const hours = [...new Set(r.volume.map((v) => Date.parse(v.hour)))].sort((a, b) => a - b);
    const channels = [...new Set(r.volume.map((v) => v.channel_id))];
    const index = new Map(hours.map((hr, i) => [hr, i]));
    const series = channels.map((ch) => {
      const ys = hours.map(() => 0);
      for (const v of r.volume) if (v.channel_id === ch) ys[index.get(Date.parse(v.hour))] += v.inbound + v.outbound;
      return ys;
    });
    const names = new Map((this.channelNames || []).map((c) => [c.id, c.name]));
    const name = (ch) => names.get(ch) || t('dash.channel_n', { id: ch });
    const total = r.volume.reduce((s, v) => s + v.inbound + v.outbound, 0);
    const { fig, plotBox } = this.figure(
      'chart-volume',
      t('dash.volume_title'),
      total ? t('dash.volume_summary', { n: fmtNumber(total), channels: fmtNumber(channels.length) }) : t('dash.no_data'),
      this.table(
        [t('dash.hour'), t('dash.channel'), t('dash.inbound'), t('dash.outbound')],
        r.volume.map((v) => [fmtDate(v.hour), name(v.channel_id), fmtNumber(v.inbound), fmtNumber(v.outbound)]),
      ),
    );
    this.grid.append(fig);
    const xs = hours.length ? hours.map((ms) => ms / 1000) : [Date.now() / 1000];
    const period = [Date.parse(r.from) / 1000, Date.parse(r.to) / 1000];
    this.plot(
      plotBox,
      {
        scales: { x: { time: true, range: () => period }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        series: [{ label: t('dash.hour') }, ...channels.map((ch, i) => ({ label: name(ch), stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: true, size: 4 } }))],
        axes: [{}, { values: (u, s) => s.map((v) => (Number.isInteger(v) ? fmtNumber(v) : '')) }],
        fmtDate: axisDate,
      },
      [xs, ...(series.length ? series : [])],
    );
  }

  // Replies sent per guideline category and day.
  verdicts(v) {
    const xs = v.buckets.map((b) => b.start_ms / 1000);
    const cats = v.categories || [];
    const series = cats.map((c) => v.buckets.map((b) => b.categories[c] || 0));
    const replies = v.buckets.map((b) => b.replies);
    const flagged = v.buckets.reduce((s, b) => s + Object.values(b.categories).reduce((x, y) => x + y, 0), 0);
    const { fig, plotBox } = this.figure(
      'chart-verdicts',
      t('dash.verdicts_title'),
      v.replies ? t('dash.verdicts_summary', { n: fmtNumber(v.replies), flagged: fmtNumber(flagged), categories: cats.join(', ') || '–' }) : t('dash.no_data'),
      this.table(
        [t('dash.day'), t('dash.replies'), ...cats.map((c) => t('dash.category', { c }))],
        v.buckets.filter((b) => b.replies).map((b) => [isoDay(b.start_ms), fmtNumber(b.replies), ...cats.map((c) => fmtNumber(b.categories[c] || 0))]),
      ),
    );
    this.grid.append(fig);
    this.plot(
      plotBox,
      {
        scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        series: [
          { label: t('dash.day') },
          { label: t('dash.replies'), stroke: COLOURS[7], width: 1, dash: [6, 4], points: { show: false } },
          ...cats.map((c, i) => ({ label: c, stroke: COLOURS[i % (COLOURS.length - 1)], width: 2, points: { show: true, size: 4 } })),
        ],
        axes: [{}, { values: (u, s) => s.map((x) => (Number.isInteger(x) ? fmtNumber(x) : '')) }],
        fmtDate: axisDate,
      },
      [xs, replies, ...series],
    );
  }

  async renderCharts(report, verdicts) {
    this.dropCharts();
    replace(this.grid);
    if (!this.channelNames) {
      try {
        this.channelNames = (await get('/api/v1/desk/channels')).channels || [];
      } catch {
        this.channelNames = [];
      }
    }
    this.histogram('chart-first', t('dash.first_title'), report.first_response);
    this.histogram('chart-resolution', t('dash.resolution_title'), report.resolution);
    this.slaShares(report);
    this.volume(report);
    this.verdicts(verdicts);
  }
}
