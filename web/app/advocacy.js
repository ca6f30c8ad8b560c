// Advocacy (#/advocacy, permission advocacy): the posts released for sharing
// (GET /api/v1/advocacy/posts), sharing one with one's own words on one's own
// account. The share text (own words, a blank line, the post and its link) is
// checked while typing (POST /api/v1/advocacy/posts/{id}/share with
// "preview": true, through guard.js's LiveCheck; a preview answers 200 and
// says "allowed"): findings underlined and explained, among them rule R06
// asking to disclose that one works for the company until a disclosure is
// there. *Share* records the share and gives
// the checked text to copy; below, one's own shares.
import { get, post } from './api.js';
import { h, replace, announce, inlineField } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { LiveCheck, renderMarks, renderFindingList, selectSpan } from './guard.js';

const NETWORKS = ['linkedin', 'x', 'mastodon', 'bluesky', 'facebook', 'instagram'];
const cps = (s) => Array.from(s || '').length;

export class AdvocacyPage {
  constructor(main) {
    this.posts = [];
    this.current = null;
    this.last = null; // the last preview answer
    this.list = h('ul', { id: 'adv-posts', class: 'approvals-list', 'aria-label': t('adv.posts') });
    this.pane = h('section', { id: 'adv-pane', class: 'conversation-pane', 'aria-label': t('adv.share_title') });
    this.shares = h('ul', { id: 'adv-shares', class: 'share-list' });
    replace(
      main,
      h(
        'aside',
        { class: 'inbox', 'aria-labelledby': 'adv-title' },
        h('h1', { id: 'adv-title', class: 'pane-title', tabindex: '-1' }, t('nav.advocacy')),
        h('p', { class: 'count' }, t('adv.help')),
        this.list,
        h('section', { class: 'my-shares', 'aria-labelledby': 'adv-shares-title' }, h('h2', { id: 'adv-shares-title', class: 'pane-title' }, t('adv.my_shares')), this.shares),
      ),
      this.pane,
    );
    this.main = main;
    replace(this.pane, h('p', { class: 'placeholder' }, t('adv.pick')));
    this.live = null;
    this.load();
    this.loadShares();
  }

  destroy() {
    if (this.live) this.live.cancel();
  }

  onKey(ev) {
    if (ev.key === 'Escape' && this.current) {
      ev.preventDefault();
      this.close();
    }
  }

  close() {
    if (this.live) this.live.cancel();
    this.current = null;
    this.main.classList.remove('has-open');
    replace(this.pane, h('p', { class: 'placeholder' }, t('adv.pick')));
    const first = this.list.querySelector('button');
    if (first) first.focus();
  }

  async load() {
    try {
      this.posts = (await get('/api/v1/advocacy/posts')).posts || [];
    } catch (e) {
      replace(this.list, h('li', { class: 'empty error' }, e.message));
      return;
    }
    if (!this.posts.length) {
      replace(this.list, h('li', { class: 'empty' }, t('adv.none')));
      return;
    }
    replace(
      this.list,
      this.posts.map((p) =>
        h(
          'li',
          { class: 'inbox-item', dataset: { id: String(p.id) } },
          h('button', { type: 'button', class: 'link adv-open', 'aria-controls': 'adv-pane', onclick: () => this.open(p) }, p.title),
          h('p', { class: 'preview' }, p.body),
        ),
      ),
    );
  }

  async loadShares() {
    let shares = [];
    try {
      shares = (await get('/api/v1/advocacy/shares')).shares || [];
    } catch (e) {
      replace(this.shares, h('li', { class: 'error' }, e.message));
      return;
    }
    const title = (s) => s.post_title || (this.posts.find((p) => p.id === s.post_id) || {}).title || `#${s.post_id}`;
    replace(
      this.shares,
      shares.length
        ? shares.map((s) => h('li', { dataset: { id: String(s.id), postId: String(s.post_id) } }, h('strong', {}, title(s)), ` · ${t(`selfcheck.channel.${s.network}`)} · `, h('time', { datetime: s.created_at }, fmtDate(s.created_at))))
        : h('li', { class: 'empty' }, t('adv.no_shares')),
    );
  }

  open(p) {
    if (this.live) this.live.cancel();
    this.current = p;
    this.last = null;
    this.main.classList.add('has-open');
    this.list.querySelectorAll('li').forEach((li) => li.classList.toggle('is-open', li.dataset.id === String(p.id)));
    this.network = h('select', { id: 'adv-network', onchange: () => this.live.schedule() }, NETWORKS.map((n) => h('option', { value: n }, t(`selfcheck.channel.${n}`))));
    this.mirror = h('div', { class: 'mirror', 'aria-hidden': 'true' });
    this.words = h('textarea', { id: 'adv-words', rows: '4', 'aria-describedby': 'adv-words-hint adv-sentence', placeholder: t('adv.words_placeholder') });
    this.words.addEventListener('input', () => {
      renderMarks(this.mirror, this.words.value, null);
      this.shareBtn.disabled = true;
      this.live.schedule();
    });
    this.words.addEventListener('scroll', () => (this.mirror.scrollTop = this.words.scrollTop));
    this.disclose = h('input', { type: 'checkbox', id: 'adv-disclosure', onchange: () => this.live.schedule() });
    this.badge = h('span', { id: 'adv-verdict', class: 'badge verdict-badge', hidden: true });
    this.sentence = h('p', { id: 'adv-sentence', class: 'selfcheck-sentence' }, t('adv.start'));
    this.preview = h('div', { id: 'adv-preview', class: 'wire' });
    this.findings = h('ul', { id: 'adv-findings', class: 'findings', 'aria-label': t('findings.title') });
    this.err = h('p', { class: 'error', role: 'alert', hidden: true });
    this.shareBtn = h('button', { type: 'button', id: 'adv-share', class: 'primary', disabled: true, onclick: () => this.share() }, t('adv.share'));
    this.result = h('div', { id: 'adv-result', hidden: true });
    const root = h(
      'div',
      { class: 'advocacy' },
      h('h2', { id: 'adv-post-title', tabindex: '-1' }, t('adv.share_post', { title: p.title })),
      h('blockquote', { class: 'adv-post', id: 'adv-post-text' }, p.body, p.link ? h('span', { class: 'hint' }, ` ${p.link}`) : null),
      h(
        'div',
        { class: 'composer-grid' },
        h(
          'div',
          { class: 'composer-main' },
          inlineField('adv-network', t('adv.network'), this.network),
          h('label', { for: 'adv-words', class: 'field-label' }, t('adv.words')),
          h('div', { class: 'editor' }, this.mirror, this.words),
          h('p', { id: 'adv-words-hint', class: 'hint' }, t('adv.words_help')),
          h('label', { class: 'check' }, this.disclose, ` ${t('adv.add_disclosure')}`),
          h('div', { class: 'verdict-line', 'aria-live': 'polite' }, this.badge, ' ', this.sentence),
          h('p', { class: 'hint' }, t('adv.preview')),
          this.preview,
          this.err,
          h('div', { class: 'row' }, this.shareBtn),
          this.result,
        ),
        h('aside', { class: 'guard-panel', 'aria-labelledby': 'adv-findings-title' }, h('h3', { id: 'adv-findings-title' }, t('findings.title')), this.findings),
      ),
    );
    replace(this.pane, root);
    this.live = new LiveCheck({
      read: () => JSON.stringify({ own_words: this.words.value, network: this.network.value, add_disclosure: this.disclose.checked }),
      request: (text, signal) => post(`/api/v1/advocacy/posts/${p.id}/share`, { ...JSON.parse(text), preview: true }, { signal, okStatuses: [200] }),
      done: (r) => this.show(r ? r.body : null),
      errorBox: () => this.err,
      busy: this.pane,
    });
    renderMarks(this.mirror, '', null);
    this.live.run();
    root.querySelector('#adv-post-title').focus();
  }

  show(r) {
    this.last = r;
    if (!r) {
      this.badge.hidden = true;
      renderFindingList(this.findings, null);
      this.shareBtn.disabled = true;
      return;
    }
    const v = r.verdict || { action: r.allowed ? 'allow' : 'block', findings: [] };
    const findings = v.findings || [];
    renderMarks(this.preview, r.text || '', findings);
    // the own words are underlined where the share text starts with them
    const words = this.words.value;
    const onWords = words && (r.text || '').startsWith(words) ? findings.filter((f) => f.cp_start < cps(words)).map((f) => ({ ...f, cp_end: Math.min(f.cp_end, cps(words)) })) : [];
    renderMarks(this.mirror, words, onWords);
    renderFindingList(this.findings, findings, (f) => (onWords.some((g) => g.rule === f.rule && g.cp_start === f.cp_start) ? selectSpan(this.words, f) : this.preview.scrollIntoView({ block: 'nearest' })));
    const action = r.allowed ? v.action || 'allow' : 'block';
    this.badge.hidden = false;
    this.badge.dataset.action = action;
    this.badge.className = `badge verdict-badge act-${action}`;
    this.badge.textContent = t(`action.${action}`);
    this.sentence.textContent = r.allowed ? t('adv.ok') : r.message || t('adv.refused');
    this.shareBtn.disabled = !r.allowed;
    this.result.hidden = true;
  }

  async share() {
    const p = this.current;
    this.shareBtn.disabled = true;
    let r;
    try {
      r = await post(`/api/v1/advocacy/posts/${p.id}/share`, { own_words: this.words.value, network: this.network.value, add_disclosure: this.disclose.checked, preview: false }, { okStatuses: [200, 201, 422] });
    } catch (e) {
      this.err.textContent = e.message;
      this.err.hidden = false;
      return;
    }
    if (r.status !== 201 && r.status !== 200) {
      this.show(r.body);
      return;
    }
    const out = h('textarea', { id: 'adv-copy-text', rows: '6', readonly: true, 'aria-label': t('adv.copy_label') });
    out.value = r.body.text;
    const copied = h('span', { class: 'hint', 'aria-live': 'polite' });
    replace(
      this.result,
      h('h3', {}, t('adv.done')),
      h('p', { class: 'hint' }, t('adv.copy_help', { network: t(`selfcheck.channel.${this.network.value}`) })),
      out,
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            id: 'adv-copy',
            class: 'primary',
            onclick: async () => {
              out.select();
              try {
                await navigator.clipboard.writeText(out.value);
                copied.textContent = t('adv.copied');
              } catch {
                copied.textContent = t('adv.copy_manual');
              }
              announce(copied.textContent);
            },
          },
          t('adv.copy'),
        ),
        copied,
      ),
    );
    this.result.hidden = false;
    this.shareBtn.disabled = false;
    out.focus();
    out.select();
    this.loadShares();
  }
}
