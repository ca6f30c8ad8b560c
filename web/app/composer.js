// The reply composer with the live guard: every pause in typing (250 ms) asks
// /replies/preview what would happen; the previous request is aborted. The
// findings are underlined in an overlay that mirrors the text, listed with
// their explanation beside it, and the send button says what will happen.
import { post } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtMoney, locale } from './i18n.js';
import { LiveCheck, renderMarks, renderFindingList, selectSpan } from './guard.js';

const DECISION_LABEL = {
  queued: 'send.send',
  needs_confirmation: 'send.confirm',
  held: 'send.approval',
  blocked: 'send.blocked',
  conflict: 'send.conflict',
};

// "Move to DM": a public reply that would carry personal data (the guideline
// wants such talk in private) becomes a private reply where the channel can
// send one (conversation.can_reply_privately: a Mastodon direct status, an X
// direct message, a private reply to a Facebook or Instagram comment): the
// composer shows the "private reply" state (a toggle), previews and sends
// with private=true, and the guard checks it with audience private. Where the
// channel cannot, the text is replaced by an invitation to continue by
// direct message, in the conversation's language and in the words of the
// channel, and the reply stays public.
// UI text of the private-reply switch (the invitation below is in the
// conversation's language instead, whatever the UI's).
function privateText(key) {
  return t(`composer.private.${key}`);
}

const DM_WAY = {
  de: {
    x: 'eine Direktnachricht auf X',
    mastodon: 'eine private Erwähnung (Sichtbarkeit „Nur erwähnte Profile“)',
    bluesky: 'eine Direktnachricht im Bluesky-Chat',
    meta: 'eine private Nachricht (Messenger oder Instagram Direct)',
    linkedin: 'eine persönliche Nachricht auf LinkedIn',
    '': 'eine private Nachricht',
  },
  en: {
    x: 'a direct message on X',
    mastodon: 'a private mention (visibility "mentioned people only")',
    bluesky: 'a direct message in Bluesky chat',
    meta: 'a private message (Messenger or Instagram Direct)',
    linkedin: 'a personal message on LinkedIn',
    '': 'a private message',
  },
};

export function dmInvitation(lang, kind) {
  const l = lang === 'de' || lang === 'en' ? lang : 'en';
  const way = DM_WAY[l][kind] || DM_WAY[l][''];
  return l === 'de'
    ? `Danke für Ihre Nachricht! Damit Ihre persönlichen Daten nicht öffentlich zu sehen sind, schreiben Sie uns bitte ${way} – dort helfen wir Ihnen gern weiter. Bitte teilen Sie hier keine Kontodaten, Adressen oder Telefonnummern.`
    : `Thank you for your message! So that your personal details are not visible in public, please send us ${way} and we will gladly help you there. Please do not share account details, addresses or phone numbers here.`;
}

function newKey() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Composer {
  constructor(view, me) {
    this.view = view;
    this.me = me;
    this.conv = null;
    this.result = null; // the last preview for the current text
    this.lastInput = 0;
    this.idempotencyKey = newKey();
    this.private = false; // answer this public conversation privately

    this.mirror = h('div', { class: 'mirror', 'aria-hidden': 'true' });
    this.text = h('textarea', {
      id: 'reply-text',
      rows: '5',
      'aria-label': t('composer.label'),
      'aria-describedby': 'decision-message estimate',
      placeholder: t('composer.placeholder'),
      spellcheck: 'true',
    });
    this.text.addEventListener('input', () => this.onInput());
    this.text.addEventListener('scroll', () => this.syncScroll());
    this.text.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this.send();
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        this.text.blur();
        document.getElementById('inbox-list')?.focus();
      }
    });
    this.estimate = h('span', { id: 'estimate', class: 'estimate' });
    this.reason = h('input', { id: 'confirm-reason', type: 'text', 'aria-label': t('send.reason'), placeholder: t('send.reason') });
    this.reasonField = h('div', { class: 'field reason', hidden: true }, h('label', { for: 'confirm-reason' }, t('send.reason')), this.reason);
    this.nextState = h(
      'select',
      { id: 'next-state', 'aria-label': t('send.next_state') },
      h('option', { value: '' }, t('send.next_keep')),
      h('option', { value: 'pending_customer' }, t('state.pending_customer')),
      h('option', { value: 'resolved' }, t('state.resolved')),
    );
    this.privateBox = h('input', { id: 'private-reply', type: 'checkbox', onchange: () => this.setPrivate(this.privateBox.checked) });
    this.privateToggle = h(
      'label',
      { class: 'private-toggle', for: 'private-reply', title: privateText('toggle_hint'), hidden: true },
      this.privateBox,
      ` ${privateText('toggle')}`,
    );
    this.sendButton = h('button', { type: 'button', id: 'send', class: 'primary', disabled: true, dataset: { decision: '' }, onclick: () => this.send() }, t('send.send'));
    this.message = h('p', { id: 'decision-message', class: 'decision-message', 'aria-live': 'polite' });
    this.findings = h('ul', { id: 'findings', class: 'findings', 'aria-label': t('findings.title') });
    this.fixes = h('div', { class: 'fixes' });
    this.panel = h('aside', { class: 'guard-panel', 'aria-labelledby': 'findings-title' }, h('h3', { id: 'findings-title' }, t('findings.title')), this.findings, this.fixes);
    this.root = h(
      'section',
      { class: 'composer card', 'aria-labelledby': 'composer-title' },
      h('h3', { id: 'composer-title' }, t('composer.title')),
      h(
        'div',
        { class: 'composer-grid' },
        h(
          'div',
          { class: 'composer-main' },
          h('div', { class: 'editor' }, this.mirror, this.text),
          this.message,
          this.reasonField,
          h(
            'div',
            { class: 'composer-bar' },
            this.estimate,
            this.privateToggle,
            h('span', { class: 'send-group' }, h('label', { for: 'next-state' }, t('send.next_state')), this.nextState, this.sendButton),
          ),
        ),
        this.panel,
      ),
    );
    this.live = new LiveCheck({
      read: () => this.text.value,
      request: (text, signal) =>
        post(`/api/v1/desk/conversations/${this.conv.id}/replies/preview`, this.withAudience({ text, version: this.conv.version }), { signal }),
      done: (r, text) => this.show(r, text),
      failed: (e) => {
        this.message.textContent = e.message;
        this.message.className = 'decision-message error';
      },
      busy: this.root,
    });
    this.renderFindings(null);
  }

  destroy() {
    this.live.cancel();
  }

  setConversation(c) {
    const changed = this.conv && this.conv.version !== c.version;
    if (this.conv && this.conv.id !== c.id) this.private = false;
    this.conv = c;
    this.renderPrivate();
    if (changed && this.text.value) this.schedule();
  }

  // The request body with the reply's audience: private only when asked for
  // in a public conversation (a private one is private anyway).
  withAudience(body) {
    if (this.private && this.conv?.public) body.private = true;
    return body;
  }

  canReplyPrivately() {
    return Boolean(this.conv?.public && this.conv.can_reply_privately);
  }

  // The toggle is offered where the channel can answer privately; its state
  // is visible on the composer (class "private-reply").
  renderPrivate() {
    const can = this.canReplyPrivately();
    if (!can) this.private = false;
    this.privateToggle.hidden = !can;
    this.privateBox.checked = this.private;
    this.root.classList.toggle('private-reply', this.private);
    this.root.dataset.audience = this.private || !this.conv?.public ? 'private' : 'public';
  }

  setPrivate(on) {
    if (on && !this.canReplyPrivately()) return;
    this.private = on;
    this.renderPrivate();
    // The verdict depends on the audience: check again at once.
    this.result = null;
    this.renderMarks(null);
    if (this.text.value.trim()) this.live.run();
    announce(privateText(on ? 'on' : 'off'));
  }

  focus() {
    this.text.focus();
  }

  hasText() {
    return this.text.value.trim() !== '';
  }

  isTyping() {
    return this.text.value !== '' && Date.now() - this.lastInput < 8000;
  }

  insert(text) {
    const { selectionStart: s, selectionEnd: e, value } = this.text;
    this.text.value = value.slice(0, s) + text + value.slice(e);
    this.text.focus();
    this.text.setSelectionRange(s + text.length, s + text.length);
    this.onInput();
  }

  onInput() {
    const wasTyping = this.isTyping();
    this.lastInput = Date.now();
    if (!wasTyping && this.text.value) this.view.heartbeat();
    this.result = null;
    this.renderMarks(null);
    this.schedule();
  }

  schedule() {
    this.live.schedule();
  }

  syncScroll() {
    this.mirror.scrollTop = this.text.scrollTop;
  }

  // --- preview: LiveCheck calls show() with each answer -----------------------

  show(r, text) {
    this.result = r ? { ...r, text, private: this.private } : null;
    this.renderMarks(r ? r.verdict : null);
    this.renderFindings(r);
    this.renderEstimate(r ? r.estimate : null);
    this.renderButton(r ? r.decision : '');
    this.message.className = `decision-message decision-${r ? r.decision : 'none'}`;
    this.message.textContent = r && r.decision !== 'queued' ? r.message || '' : '';
    if (r && r.decision === 'conflict') this.showConflict(r.new_messages || []);
  }

  // The mirror holds the same text as the textarea, with the findings marked.
  renderMarks(verdict) {
    renderMarks(this.mirror, this.text.value, verdict?.findings);
    this.syncScroll();
  }

  renderFindings(r) {
    renderFindingList(this.findings, r ? r.verdict?.findings || [] : null, (f) => this.selectSpan(f));
    if (!r) {
      replace(this.fixes);
      return;
    }
    const fixes = [];
    if (r.verdict?.redacted && r.verdict.redacted !== this.text.value) {
      fixes.push(h('button', { type: 'button', class: 'secondary', id: 'apply-redaction', onclick: () => this.applyRedaction() }, t('fix.redact')));
    }
    const pii = (r.verdict?.findings || []).some((f) => f.category === 'pii');
    if (this.conv?.public && !this.private && (r.suggest_private || pii)) {
      fixes.push(
        h(
          'div',
          { class: 'dm-fix suggest-private' },
          h('p', {}, t('dm.hint')),
          h('button', { type: 'button', class: 'secondary', id: 'move-to-dm', onclick: () => this.moveToDm() }, t('dm.button')),
        ),
      );
    } else if (r.suggest_private) {
      fixes.push(h('p', { class: 'hint suggest-private' }, t('fix.private')));
    }
    replace(this.fixes, fixes);
  }

  selectSpan(f) {
    selectSpan(this.text, f);
  }

  applyRedaction() {
    if (!this.result?.verdict?.redacted) return;
    this.text.value = this.result.verdict.redacted;
    this.onInput();
    this.text.focus();
  }

  moveToDm() {
    if (this.canReplyPrivately()) {
      // The same text, sent privately: checked again as a private reply.
      this.setPrivate(true);
      this.text.focus();
      return;
    }
    const kind = this.view.desk?.channels?.get(this.conv.channel_id)?.kind || '';
    this.text.value = dmInvitation(this.conv.language || locale(), kind);
    this.onInput();
    this.text.focus();
    announce(privateText('invited'));
  }

  renderEstimate(e) {
    if (!e) {
      this.estimate.textContent = '';
      return;
    }
    const unit = t(`unit.${e.unit}`) === `unit.${e.unit}` ? e.unit : t(`unit.${e.unit}`);
    let s = e.limit > 0 ? t('estimate.remaining', { remaining: e.remaining, limit: e.limit, unit }) : t('estimate.length', { length: e.length, unit });
    if (e.currency) s += ` · ${t('estimate.cost', { cost: fmtMoney(e.cost, e.currency) })}`;
    if (e.warning) s += ` · ${e.warning}`;
    this.estimate.textContent = s;
    this.estimate.classList.toggle('over', e.limit > 0 && e.remaining < 0);
  }

  renderButton(decision) {
    const b = this.sendButton;
    b.dataset.decision = decision;
    b.textContent = t(DECISION_LABEL[decision] || 'send.send');
    b.disabled = !decision || decision === 'blocked';
    b.className = `primary decision-${decision || 'none'}`;
    this.reasonField.hidden = decision !== 'needs_confirmation';
  }

  showConflict(messages) {
    const first = messages.length ? Math.min(...messages.map((m) => m.id)) : 0;
    this.view.refresh(first);
    announce(t('conflict.announce', { n: messages.length }), 'warn');
  }

  // --- send ------------------------------------------------------------------
  async send() {
    if (this.sending) return;
    const text = this.text.value;
    if (!text.trim()) return;
    if (!this.result || this.result.text !== text || this.result.private !== this.private) await this.live.run();
    const r = this.result;
    if (!r || r.decision === 'blocked') return;
    if (r.decision === 'conflict') {
      this.schedule();
      return;
    }
    const body = this.withAudience({ text, version: this.conv.version, idempotency_key: this.idempotencyKey });
    if (this.nextState.value) body.next_state = this.nextState.value;
    if (r.decision === 'needs_confirmation') {
      const reason = this.reason.value.trim();
      if (!reason) {
        this.reasonField.hidden = false;
        this.reason.focus();
        announce(t('send.reason_needed'), 'warn');
        return;
      }
      body.confirm_reason = reason;
    }
    this.sending = true;
    this.sendButton.disabled = true;
    try {
      const out = await post(`/api/v1/desk/conversations/${this.conv.id}/replies`, body, { okStatuses: [202, 409, 422] });
      if (out.status === 202) {
        this.text.value = '';
        this.reason.value = '';
        this.nextState.value = '';
        this.private = false;
        this.renderPrivate();
        this.view.highlightFrom = 0;
        this.idempotencyKey = newKey();
        this.show(null, '');
        announce(t(out.body?.decision === 'held' ? 'send.submitted' : 'send.done'));
        await this.view.refresh();
      } else if (out.status === 409) {
        this.show({ ...out.body, decision: 'conflict' }, text);
      } else {
        this.show(out.body, text);
        announce(out.body?.message || t('send.refused'), 'warn');
      }
    } catch (e) {
      announce(e.message, 'error');
    } finally {
      this.sending = false;
      if (this.result) this.renderButton(this.result.decision);
    }
  }
}

