// Guideline test bench (permissions `check`, `policy:read` and `approvals`:
// compliance, approvers, administrators). Two parts:
// - one text checked while typing (POST /api/v1/check) with channel,
//   audience, language and policy version of one's choice: the verdict, every
//   finding (underlined and listed through guard.js) and the check's time;
// - several texts (one per line) checked against two policy versions side by
//   side: per text both verdicts and their findings, rows that differ marked.
// Checks go through the normal check endpoint, so they count in /metrics and
// held or blocked ones are audited (rule ids, never the text).
import { get, post, ApiError } from './api.js';
import { h, replace, announce, inlineField as field, pageSection } from './dom.js';
import { t, fmtNumber, locale } from './i18n.js';
import { LiveCheck, renderMarks, renderFindingList, selectSpan } from './guard.js';

const CHANNELS = ['', 'email', 'webchat', 'x', 'mastodon', 'bluesky', 'linkedin', 'facebook', 'instagram'];
const AUDIENCES = ['public', 'private', 'internal'];
const MAX_TEXTS = 50;

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// POST /api/v1/check; another version is compiled on first use and answered
// 503 policy_loading until then: retried for up to 15 s.
async function check(body, signal) {
  for (let i = 0; ; i++) {
    try {
      return await post('/api/v1/check', body, { signal });
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'policy_loading' || i >= 30) throw e;
      await sleep(500);
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    }
  }
}

function ruleSet(r) {
  return [...new Set((r.findings || []).map((f) => f.rule))].sort();
}

export class BenchPage {
  constructor(main) {
    this.versions = [];
    this.active = null;
    this.compareSeq = 0;

    // --- one text -------------------------------------------------------------
    this.mirror = h('div', { class: 'mirror', 'aria-hidden': 'true' });
    this.text = h('textarea', { id: 'bench-text', rows: '6', 'aria-describedby': 'bench-verdict-line', placeholder: t('bench.placeholder'), spellcheck: 'false' });
    this.text.addEventListener('input', () => {
      renderMarks(this.mirror, this.text.value, null);
      this.live.schedule();
    });
    this.text.addEventListener('scroll', () => (this.mirror.scrollTop = this.text.scrollTop));
    const select = (id, options, value) =>
      h('select', { id, onchange: () => this.live.schedule() }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
    this.channel = select('bench-channel', CHANNELS.map((c) => [c, c ? t(`bench.channel.${c}`) : t('bench.channel_none')]), '');
    this.audience = select('bench-audience', AUDIENCES.map((a) => [a, t(`bench.audience.${a}`)]), 'public');
    this.lang = select('bench-lang', [['de', t('lang.de')], ['en', t('lang.en')]], locale());
    this.policy = select('bench-policy', [['', t('bench.policy_active')]], '');
    this.badge = h('span', { id: 'bench-verdict', class: 'badge verdict-badge', hidden: true });
    this.timing = h('span', { id: 'bench-elapsed', class: 'hint' });
    this.policyLine = h('span', { id: 'bench-policy-used', class: 'hint' });
    this.err = h('p', { class: 'error', role: 'alert', hidden: true });
    this.findings = h('ul', { id: 'bench-findings', class: 'findings', 'aria-label': t('findings.title') });

    // --- two versions ---------------------------------------------------------
    this.left = h('select', { id: 'bench-left' });
    this.right = h('select', { id: 'bench-right' });
    this.texts = h('textarea', { id: 'bench-texts', rows: '6', 'aria-describedby': 'bench-texts-hint', spellcheck: 'false' });
    this.compareButton = h('button', { type: 'submit', id: 'bench-compare', class: 'primary' }, t('bench.compare'));
    this.summary = h('p', { id: 'bench-summary', class: 'bench-summary', 'aria-live': 'polite' });
    this.results = h('div', { id: 'bench-results', class: 'bench-results' });
    const form = h(
      'form',
      { class: 'bench-compare-form', onsubmit: (e) => { e.preventDefault(); this.compare(); } },
      h('div', { class: 'row' }, field('bench-left', t('bench.left'), this.left), field('bench-right', t('bench.right'), this.right)),
      h('div', { class: 'field' }, h('label', { for: 'bench-texts' }, t('bench.texts')), this.texts, h('p', { id: 'bench-texts-hint', class: 'hint' }, t('bench.texts_hint', { n: MAX_TEXTS }))),
      h('div', { class: 'row' }, this.compareButton, h('span', { class: 'hint' }, t('bench.compare_hint'))),
    );

    this.root = pageSection(
      'bench',
      'bench',
      t('nav.bench'),
      h('p', { class: 'hint' }, t('bench.help')),
      h(
        'section',
        { class: 'card bench-single', 'aria-labelledby': 'bench-single-title' },
        h('h2', { id: 'bench-single-title' }, t('bench.single')),
        h('div', { class: 'row bench-options' }, field('bench-channel', t('bench.channel'), this.channel), field('bench-audience', t('bench.audience'), this.audience), field('bench-lang', t('bench.lang'), this.lang), field('bench-policy', t('bench.policy'), this.policy)),
        h(
          'div',
          { class: 'composer-grid' },
          h(
            'div',
            { class: 'composer-main' },
            h('label', { for: 'bench-text', class: 'field-label' }, t('bench.text')),
            h('div', { class: 'editor' }, this.mirror, this.text),
            h('div', { id: 'bench-verdict-line', class: 'verdict-line', 'aria-live': 'polite' }, this.badge, this.timing, this.policyLine),
            this.err,
          ),
          h('aside', { class: 'guard-panel', 'aria-labelledby': 'bench-findings-title' }, h('h3', { id: 'bench-findings-title' }, t('findings.title')), this.findings),
        ),
      ),
      h('section', { class: 'card bench-two', 'aria-labelledby': 'bench-two-title' }, h('h2', { id: 'bench-two-title' }, t('bench.two')), form, this.summary, this.results),
    );
    this.live = new LiveCheck({
      read: () => this.text.value,
      request: (text, signal) => check(this.body(text, this.policy.value), signal),
      done: (r, text) => this.show(r, text),
      errorBox: () => this.err,
      busy: this.root,
    });
    replace(main, this.root);
    this.show(null, '');
    this.loadVersions();
  }

  destroy() {
    this.live.cancel();
    this.compareSeq++;
  }

  onKey() {}

  body(text, policy) {
    const b = { text, audience: this.audience.value, lang: this.lang.value };
    if (this.channel.value) b.channel = this.channel.value;
    if (policy) b.policy = policy;
    return b;
  }

  // The version lists: "" is the active version (stored, or the pack built
  // into the server, version 0), then every stored version, newest first.
  async loadVersions() {
    let r;
    try {
      r = await get('/api/v1/policies');
    } catch (e) {
      announce(e.message, 'error');
      return;
    }
    this.active = r.active;
    this.versions = (r.versions || []).slice().sort((a, b) => b.version - a.version);
    const activeKey = r.active && r.active.version > 0 ? `${r.active.name}@${r.active.version}` : '';
    const activeLabel = r.active
      ? t(r.active.version > 0 ? 'bench.active_version' : 'bench.builtin_version', { name: r.active.name, version: r.active.version })
      : t('bench.policy_active');
    const label = (v) => `${v.name} v${v.version}${v.comment ? ` – ${v.comment}` : ''}`;
    const options = (selected) => [
      h('option', { value: '', selected: selected === '' }, activeLabel),
      this.versions.filter((v) => `${v.name}@${v.version}` !== activeKey).map((v) => h('option', { value: `${v.name}@${v.version}`, selected: `${v.name}@${v.version}` === selected }, label(v))),
    ];
    const other = this.versions.find((v) => `${v.name}@${v.version}` !== activeKey);
    replace(this.policy, options(''));
    replace(this.left, options(''));
    replace(this.right, options(other ? `${other.name}@${other.version}` : ''));
  }

  show(r, text) {
    const findings = r ? r.findings || [] : null;
    renderMarks(this.mirror, text, findings);
    this.mirror.scrollTop = this.text.scrollTop;
    renderFindingList(this.findings, findings, (f) => selectSpan(this.text, f));
    if (!r) {
      this.badge.hidden = true;
      this.badge.dataset.action = '';
      this.timing.textContent = t('bench.start');
      this.policyLine.textContent = '';
      return;
    }
    this.badge.hidden = false;
    this.badge.dataset.action = r.action;
    this.badge.className = `badge verdict-badge act-${r.action}`;
    this.badge.textContent = t(`action.${r.action}`);
    this.timing.textContent = t('bench.elapsed', { us: r.elapsed_us });
    // The pack's own id and version string, and which stored version the
    // list chose (the server names the revision only for the active one).
    const chosen = this.policy.selectedOptions[0]?.textContent || '';
    this.policyLine.textContent = t('bench.policy_used', { policy: r.policy?.id || '', version: r.policy?.version || '', chosen });
  }

  // Every text against both versions, one request at a time (the server
  // checks inline; a long list must not flood it).
  async compare() {
    const seq = ++this.compareSeq;
    const texts = this.texts.value.split('\n').map((s) => s.trim()).filter(Boolean).slice(0, MAX_TEXTS);
    const a = this.left.value;
    const b = this.right.value;
    if (!texts.length) {
      this.summary.textContent = t('bench.no_texts');
      replace(this.results);
      return;
    }
    this.compareButton.disabled = true;
    this.results.setAttribute('aria-busy', 'true');
    this.summary.textContent = t('bench.running', { n: texts.length });
    const rows = [];
    try {
      for (const text of texts) {
        const left = await check(this.body(text, a));
        const right = await check(this.body(text, b));
        if (seq !== this.compareSeq) return;
        rows.push({ text, left, right });
      }
    } catch (e) {
      if (seq === this.compareSeq) {
        this.summary.textContent = e.message;
        announce(e.message, 'error');
      }
      return;
    } finally {
      if (seq === this.compareSeq) {
        this.compareButton.disabled = false;
        this.results.removeAttribute('aria-busy');
      }
    }
    this.renderComparison(rows, a, b);
  }

  versionName(key) {
    return key ? key.replace('@', ' v') : t('bench.active_short');
  }

  renderComparison(rows, a, b) {
    let differing = 0;
    const cell = (r, other, side) => {
      const rules = ruleSet(r);
      const otherRules = new Set(ruleSet(other));
      const actionDiffers = r.action !== other.action;
      return h(
        'td',
        { class: `bench-cell${actionDiffers ? ' differs' : ''}`, dataset: { side, action: r.action } },
        h('span', { class: `badge verdict-badge act-${r.action}` }, t(`action.${r.action}`)),
        actionDiffers ? h('span', { class: 'diff-mark', title: t('bench.differs') }, ' ≠', h('span', { class: 'visually-hidden' }, t('bench.differs'))) : null,
        rules.length
          ? h(
              'ul',
              { class: 'bench-rules' },
              rules.map((rule) => {
                const f = (r.findings || []).find((x) => x.rule === rule);
                const only = !otherRules.has(rule);
                return h('li', { class: only ? 'only-here' : '', title: f?.message || '' }, h('code', {}, rule), only ? h('span', { class: 'only-mark' }, ` ${t('bench.only_here')}`) : null);
              }),
            )
          : h('p', { class: 'hint' }, t('findings.none')),
        h('p', { class: 'hint' }, t('bench.elapsed', { us: r.elapsed_us })),
      );
    };
    const body = rows.map(({ text, left, right }, i) => {
      const differs = left.action !== right.action || ruleSet(left).join() !== ruleSet(right).join();
      if (differs) differing++;
      return h(
        'tr',
        { class: differs ? 'differs' : '', dataset: { differs: differs ? '1' : '0' } },
        h('th', { scope: 'row' }, h('span', { class: 'bench-n' }, `${i + 1}.`), ' ', h('span', { class: 'bench-text' }, text)),
        cell(left, right, 'left'),
        cell(right, left, 'right'),
      );
    });
    replace(
      this.results,
      h(
        'table',
        { class: 'bench-table' },
        h('caption', { class: 'visually-hidden' }, t('bench.two')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('bench.text')), h('th', { scope: 'col' }, this.versionName(a)), h('th', { scope: 'col' }, this.versionName(b)))),
        h('tbody', {}, body),
      ),
    );
    this.summary.textContent = t('bench.summary', { n: fmtNumber(differing), total: fmtNumber(rows.length) });
    this.summary.dataset.differing = String(differing);
  }
}

