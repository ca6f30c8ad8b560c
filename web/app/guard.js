// The guard's findings on screen, shared by the reply composer and the
// self-check: the underline overlay that mirrors a textarea, the list of
// findings with their explanation, and selecting a finding's words.
import { h, replace } from './dom.js';
import { t } from './i18n.js';

export const RANK = { allow: 0, warn: 1, hold: 2, block: 3 };

// Fills `mirror` with the same text as the textarea, with <mark>s where the
// findings are; each code point gets the strictest action covering it.
export function renderMarks(mirror, text, findings) {
  const cps = Array.from(text);
  const rank = new Array(cps.length).fill(-1);
  const action = new Array(cps.length).fill('');
  (findings || []).forEach((f) => {
    for (let i = Math.max(0, f.cp_start); i < Math.min(f.cp_end, cps.length); i++) {
      const r = RANK[f.action] ?? 0;
      if (r > rank[i]) {
        rank[i] = r;
        action[i] = f.action;
      }
    }
  });
  const parts = [];
  let i = 0;
  while (i < cps.length) {
    let j = i + 1;
    while (j < cps.length && action[j] === action[i]) j++;
    const chunk = cps.slice(i, j).join('');
    parts.push(action[i] ? h('mark', { class: `finding-mark act-${action[i]}`, dataset: { action: action[i] } }, chunk) : chunk);
    i = j;
  }
  parts.push('\n\u200b'); // keeps a trailing newline's height
  replace(mirror, parts);
}

// Fills the list `ul` with one entry per finding (action, rule, clause,
// message, excerpt, fix, "show in text" for findings with a span — an
// alt-text finding of a post's medium has none); `findings` null: nothing
// checked yet.
export function renderFindingList(ul, findings, onShow) {
  if (!findings) {
    replace(ul, h('li', { class: 'empty' }, t('findings.none_yet')));
  } else if (!findings.length) {
    replace(ul, h('li', { class: 'empty ok' }, t('findings.none')));
  } else {
    replace(
      ul,
      findings.map((f) =>
        h(
          'li',
          { class: `finding act-${f.action}`, dataset: { rule: f.rule, action: f.action } },
          h('div', { class: 'finding-head' }, h('span', { class: `badge act-${f.action}` }, t(`action.${f.action}`)), h('span', { class: 'rule' }, f.rule), f.clause ? h('span', { class: 'clause' }, t('findings.clause', { clause: f.clause })) : null),
          h('p', { class: 'finding-message' }, f.message || f.category),
          f.excerpt ? h('p', { class: 'excerpt' }, h('span', { class: 'visually-hidden' }, t('findings.excerpt')), f.excerpt) : null,
          f.fix ? h('p', { class: 'fix' }, h('strong', {}, t('findings.fix')), ' ', f.fix) : null,
          onShow && f.cp_end > f.cp_start ? h('button', { type: 'button', class: 'link small', onclick: () => onShow(f) }, t('findings.show')) : null,
        ),
      ),
    );
  }
}

// Selects a finding's code-point span in the textarea.
export function selectSpan(textarea, f) {
  const cps = Array.from(textarea.value);
  const start = cps.slice(0, f.cp_start).join('').length;
  const end = start + cps.slice(f.cp_start, f.cp_end).join('').length;
  textarea.focus();
  textarea.setSelectionRange(start, end);
}

// The check-while-typing loop of the composer and the self-check page: run()
// starts DEBOUNCE_MS after the last schedule(), aborting a request still
// running; an answer counts only while the text is still the one checked.
export const DEBOUNCE_MS = 250;

export class LiveCheck {
  // read(): the current text; request(text, signal): a promise of the answer;
  // done(answer or null for an empty text, text); failed(error) (optional);
  // busy: the element marked aria-busy while a request runs; errorBox()
  // (optional): the element that shows a failed request's message, hidden
  // again by the next answer.
  constructor({ read, request, done, failed, busy, errorBox }) {
    Object.assign(this, { read, request, done, failed, busy, errorBox });
    this.controller = null;
    this.timer = 0;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), DEBOUNCE_MS);
  }

  cancel() {
    clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
  }

  async run() {
    clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
    const text = this.read();
    if (!text.trim()) {
      this.controller = null;
      this.answered(null, text);
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.busy.setAttribute('aria-busy', 'true');
    try {
      const r = await this.request(text, controller.signal);
      if (controller.signal.aborted || text !== this.read()) return;
      this.answered(r, text);
    } catch (e) {
      if (e.name === 'AbortError') return;
      const box = this.errorBox && this.errorBox();
      if (box) {
        box.textContent = e.message;
        box.hidden = false;
      }
      if (this.failed) this.failed(e);
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.busy.removeAttribute('aria-busy');
      }
    }
  }

  answered(r, text) {
    const box = this.errorBox && this.errorBox();
    if (box) box.hidden = true;
    this.done(r, text);
  }
}
