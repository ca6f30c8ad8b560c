// Self-check (every signed-in user, permission `check`): an employee checks a
// draft for their own private social account against the active guideline.
// Every pause in typing (250 ms) asks POST /api/v1/self-check; the previous
// request is aborted. The server neither stores, logs nor counts the text or
// the verdict and says so with "stored": false, which the page shows.
import { post } from './api.js';
import { h, replace, inlineField, pageSection } from './dom.js';
import { t, locale } from './i18n.js';
import { LiveCheck, renderMarks, renderFindingList, selectSpan } from './guard.js';

const CHANNELS = ['x', 'linkedin', 'mastodon', 'bluesky', 'facebook', 'instagram'];
// The notice is shown in both languages whatever the UI language is.
const NOTICE = {
  de: 'Ihr Text wird weder gespeichert noch protokolliert. Er wird nur geprüft; niemand sonst sieht ihn.',
  en: 'Your text is neither stored nor logged. It is only checked; nobody else sees it.',
};

export class SelfCheckPage {
  constructor(main) {
    this.mirror = h('div', { class: 'mirror', 'aria-hidden': 'true' });
    this.text = h('textarea', {
      id: 'selfcheck-text',
      rows: '8',
      'aria-label': t('selfcheck.label'),
      'aria-describedby': 'selfcheck-notice selfcheck-sentence',
      placeholder: t('selfcheck.placeholder'),
      spellcheck: 'true',
    });
    this.text.addEventListener('input', () => this.onInput());
    this.text.addEventListener('scroll', () => this.syncScroll());
    this.channel = h(
      'select',
      { id: 'selfcheck-channel', onchange: () => this.schedule() },
      h('option', { value: '' }, t('selfcheck.channel_none')),
      CHANNELS.map((c) => h('option', { value: c }, t(`selfcheck.channel.${c}`))),
    );
    this.badge = h('span', { id: 'selfcheck-verdict', class: 'badge verdict-badge', hidden: true });
    this.sentence = h('p', { id: 'selfcheck-sentence', class: 'selfcheck-sentence' }, t('selfcheck.start'));
    this.stored = h('p', { id: 'selfcheck-stored', class: 'hint', hidden: true });
    this.err = h('p', { class: 'error', role: 'alert', hidden: true });
    this.findings = h('ul', { id: 'findings', class: 'findings', 'aria-label': t('findings.title') });
    this.root = pageSection(
      'selfcheck',
      'selfcheck',
      t('nav.selfcheck'),
      h(
        'div',
        { id: 'selfcheck-notice', class: 'privacy-notice', role: 'note' },
        h('p', { lang: 'de' }, NOTICE.de),
        h('p', { lang: 'en' }, NOTICE.en),
      ),
      h('p', { class: 'hint' }, t('selfcheck.help')),
      h(
        'div',
        { class: 'composer-grid' },
        h(
          'div',
          { class: 'composer-main' },
          inlineField('selfcheck-channel', t('selfcheck.channel'), this.channel),
          h('div', { class: 'editor' }, this.mirror, this.text),
          h('div', { class: 'verdict-line', 'aria-live': 'polite' }, this.badge, ' ', this.sentence),
          this.stored,
          this.err,
        ),
        h('aside', { class: 'guard-panel', 'aria-labelledby': 'findings-title' }, h('h3', { id: 'findings-title' }, t('findings.title')), this.findings),
      ),
    );
    this.live = new LiveCheck({
      read: () => this.text.value,
      request: (text, signal) => {
        const body = { text, lang: locale() };
        if (this.channel.value) body.channel = this.channel.value;
        return post('/api/v1/self-check', body, { signal });
      },
      done: (r, text) => this.show(r, text),
      errorBox: () => this.err,
      busy: this.root,
    });
    replace(main, this.root);
    this.show(null, '');
  }

  destroy() {
    this.live.cancel();
  }

  onKey() {}

  onInput() {
    renderMarks(this.mirror, this.text.value, null);
    this.syncScroll();
    this.schedule();
  }

  schedule() {
    this.live.schedule();
  }

  syncScroll() {
    this.mirror.scrollTop = this.text.scrollTop;
  }

  show(r, text) {
    const findings = r ? r.findings || [] : null;
    renderMarks(this.mirror, text, findings);
    this.syncScroll();
    renderFindingList(this.findings, findings, (f) => selectSpan(this.text, f));
    if (!r) {
      this.badge.hidden = true;
      this.badge.dataset.action = '';
      this.sentence.textContent = t('selfcheck.start');
      this.stored.hidden = true;
      return;
    }
    this.badge.hidden = false;
    this.badge.dataset.action = r.action;
    this.badge.className = `badge verdict-badge act-${r.action}`;
    this.badge.textContent = t(`selfcheck.action.${r.action}`);
    this.sentence.textContent = t(`selfcheck.sentence.${r.action}`);
    this.stored.hidden = false;
    this.stored.dataset.stored = String(r.stored);
    this.stored.className = r.stored === false ? 'hint stored-no' : 'error';
    this.stored.textContent = t(r.stored === false ? 'selfcheck.not_stored' : 'selfcheck.stored_unknown');
  }
}
