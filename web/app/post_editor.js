// The post editor (permission posts:write; read-only with posts:read): a
// title, the base text, a link and one variant per chosen channel account.
// Every pause in typing checks the whole draft (POST /api/v1/posts/check,
// through guard.js's LiveCheck): each variant's wire text with its verdict,
// findings underlined and explained, what is left of the channel's length and
// the cost where the channel charges. Save, submit for approval, schedule in
// the company's time zone, unschedule, cancel, release for sharing and the
// cool-down question ("still want to send?"). Each variant carries media
// from the library (a picker with thumbnails; reorder, remove) with the
// channel's media limits and, per medium, whether it goes as a file or as a
// link in the text.
import { get, post, api, ApiError } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtMoney } from './i18n.js';
import { LiveCheck, renderMarks, renderFindingList, selectSpan } from './guard.js';
import { confirmDialog } from './admin_common.js';
import { companyZone, fmtZoned, stateBadge } from './publish_common.js';
import { loadAssets, mediaItem, limitsText, pickMedia, unknownAsset } from './media_common.js';

const EDITABLE = ['draft', 'submitted', 'approved', 'scheduled', 'held', 'failed'];
const SCHEDULABLE = ['draft', 'submitted', 'approved', 'scheduled', 'held'];
const SHAREABLE = ['approved', 'scheduled', 'sending', 'sent'];
const FINAL = ['sending', 'sent', 'cancelled'];

const put = (path, body, opts) => api('PUT', path, body, opts);
const cps = (s) => Array.from(s || '').length;

// The findings of a wire text that fall on its first `n` code points (the
// typed text when the wire text starts with it), cut to them.
function clip(findings, n) {
  return (findings || []).filter((f) => f.cp_start < n).map((f) => ({ ...f, cp_end: Math.min(f.cp_end, n) }));
}


export class PostEditor {
  // container: where the editor goes; id: a post id or 0 for a new one;
  // onChanged(post): after every successful change (the list reloads).
  constructor(container, { id, me, onChanged }) {
    this.container = container;
    this.me = me;
    this.onChanged = onChanged || (() => {});
    this.canWrite = (me.permissions || []).includes('posts:write');
    this.post = null;
    this.channels = [];
    this.variants = new Map(); // channel id -> variant UI
    this.saved = '';
    this.zone = 'UTC';
    this.assets = new Map(); // the library by asset id
    this.limits = new Map(); // channel id -> media limits, as last known
    this.destroyed = false;
    this.root = h('section', { class: 'post-editor', 'aria-labelledby': 'editor-title', 'aria-busy': 'true' }, h('p', { class: 'placeholder' }, t('loading')));
    replace(container, this.root);
    this.live = new LiveCheck({
      read: () => (this.variants.size ? JSON.stringify(this.draft()) : ''),
      request: (text, signal) => post('/api/v1/posts/check', JSON.parse(text), { signal }),
      done: (r) => this.applyChecks(r ? r.checks || [] : null),
      errorBox: () => this.checkErr,
      busy: this.root,
    });
    this.load(id).catch((e) => {
      replace(this.root, h('p', { class: 'error', role: 'alert' }, e.message));
      this.root.removeAttribute('aria-busy');
    });
  }

  destroy() {
    this.destroyed = true;
    this.live.cancel();
  }

  async load(id) {
    const [channels, zone, p, assets] = await Promise.all([
      get('/api/v1/posts/channels'),
      companyZone(),
      id ? get(`/api/v1/posts/${id}`) : Promise.resolve(null),
      loadAssets(),
    ]);
    if (this.destroyed) return;
    this.assets = assets;
    this.channels = channels.channels || [];
    this.zone = zone;
    this.post = p;
    this.build();
    this.root.removeAttribute('aria-busy');
  }

  // The post changed on the server (an approval, the send queue): shown
  // again unless the user has unsaved changes.
  async refresh() {
    if (!this.post || this.destroyed || this.dirty()) return;
    try {
      const p = await get(`/api/v1/posts/${this.post.id}`);
      if (!this.destroyed && !this.dirty() && p.version !== this.post.version) this.reopen(p, true);
    } catch {
      // kept as it is
    }
  }

  editable() {
    return this.canWrite && (!this.post || EDITABLE.includes(this.post.state));
  }

  build() {
    const p = this.post;
    const ro = !this.editable();
    this.title = h('input', { id: 'post-title', type: 'text', required: true, maxlength: '200', value: p ? p.title : '', disabled: ro, oninput: () => this.changed() });
    this.bodyMirror = h('div', { class: 'mirror', 'aria-hidden': 'true' });
    this.body = h('textarea', { id: 'post-body', rows: '5', disabled: ro, 'aria-describedby': 'post-body-hint' });
    this.body.value = p ? p.body : '';
    this.body.addEventListener('input', () => this.changed());
    this.body.addEventListener('scroll', () => (this.bodyMirror.scrollTop = this.body.scrollTop));
    this.link = h('input', { id: 'post-link', type: 'url', value: p ? p.link : '', disabled: ro, oninput: () => this.changed() });
    this.emotional = h('input', { id: 'post-emotional', type: 'checkbox', checked: p && (p.flags || []).includes('emotional'), disabled: ro, onchange: () => this.changed() });
    this.checkErr = h('p', { class: 'error', role: 'alert', hidden: true });
    this.msg = h('p', { id: 'post-message', class: 'decision-message', 'aria-live': 'polite' });
    this.variantBox = h('div', { id: 'post-variants', class: 'variants' });
    const chosen = new Map((p ? p.variants : []).map((v) => [v.channel_id, v]));
    const channelBoxes = this.channels.map((c) =>
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          id: `post-ch-${c.id}`,
          value: String(c.id),
          checked: chosen.has(c.id),
          disabled: ro,
          onchange: (e) => this.toggleChannel(c, e.target.checked),
        }),
        ` ${c.name} `,
        h('span', { class: 'hint' }, `(${c.kind}${c.paused ? `, ${t('editor.paused')}` : ''})`),
      ),
    );
    replace(
      this.root,
      h('a', { href: '#/posts', class: 'post-back' }, t('posts.back')),
      h('h2', { id: 'editor-title', tabindex: '-1' }, p ? t('editor.title_edit', { title: p.title }) : t('editor.title_new')),
      p ? this.statusBlock() : null,
      h(
        'form',
        { id: 'post-form', class: 'post-form', onsubmit: (e) => (e.preventDefault(), this.save()) },
        h('div', { class: 'field' }, h('label', { for: 'post-title' }, t('editor.name')), this.title),
        h('div', { class: 'field' }, h('label', { for: 'post-body' }, t('editor.body')), h('div', { class: 'editor' }, this.bodyMirror, this.body), h('p', { id: 'post-body-hint', class: 'hint' }, t('editor.body_help'))),
        h('div', { class: 'row' }, h('div', { class: 'field grow' }, h('label', { for: 'post-link' }, t('editor.link')), this.link), h('label', { class: 'check' }, this.emotional, ` ${t('editor.emotional')}`)),
        h('fieldset', { id: 'post-channels', class: 'checks' }, h('legend', {}, t('editor.channels')), this.channels.length ? channelBoxes : h('p', { class: 'hint' }, t('editor.no_channels'))),
        this.variantBox,
        this.checkErr,
        this.canWrite ? this.actions() : null,
        this.msg,
      ),
    );
    for (const c of this.channels) if (chosen.has(c.id)) this.addVariant(c, chosen.get(c.id));
    this.saved = JSON.stringify(this.draft());
    this.showStored();
    // the live check needs posts:write; others see the stored verdicts
    if (this.editable()) this.live.run();
  }

  statusBlock() {
    const p = this.post;
    const items = [h('span', { id: 'post-state' }, stateBadge(p.state)), ' ', h('span', { class: 'hint' }, t('editor.version', { version: p.version }))];
    if (p.approval_id) items.push(' · ', h('a', { id: 'post-approval', href: `#/approvals/${p.approval_id}` }, t('editor.approval', { id: p.approval_id })));
    if (p.scheduled_at) items.push(' · ', h('span', { id: 'post-scheduled' }, t('editor.scheduled_for', { when: fmtZoned(p.scheduled_at, this.zone), zone: this.zone })));
    if (p.sent_at) items.push(' · ', h('span', {}, t('editor.sent_at', { when: fmtZoned(p.sent_at, this.zone) })));
    const block = h('div', { class: 'post-status' }, h('p', { class: 'row' }, items));
    if (p.reason) block.append(h('p', { id: 'post-reason', class: 'error' }, t('editor.reason', { reason: p.reason })));
    for (const v of p.variants) {
      if (v.last_error) block.append(h('p', { class: 'error variant-error', dataset: { channelId: String(v.channel_id) } }, t('editor.variant_error', { channel: v.channel, error: v.last_error })));
    }
    if (p.needs_confirmation && this.canWrite) {
      block.append(
        h(
          'div',
          { id: 'post-cooldown', class: 'cooldown', role: 'alert' },
          h('p', {}, t('editor.cooldown', { until: fmtZoned(p.cooldown_until, this.zone) })),
          h('button', { type: 'button', id: 'post-confirm', class: 'primary', onclick: () => this.act('cooldown/confirm', {}, 'editor.confirmed') }, t('editor.confirm_send')),
        ),
      );
    } else if (p.cooldown_until) {
      block.append(h('p', { class: 'hint' }, t('editor.cooldown_confirmed', { until: fmtZoned(p.cooldown_until, this.zone) })));
    }
    if (SHAREABLE.includes(p.state) && this.canWrite) {
      block.append(
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', id: 'post-shareable', checked: p.shareable, onchange: (e) => this.setShareable(e.target) }),
          ` ${t('editor.shareable')}`,
        ),
      );
    } else if (p.shareable) {
      block.append(h('p', { class: 'hint' }, t('editor.is_shareable')));
    }
    return block;
  }

  actions() {
    const p = this.post;
    const state = p ? p.state : 'draft';
    const editable = this.editable();
    this.when = h('input', { id: 'post-when', type: 'datetime-local', value: p && p.scheduled_local ? p.scheduled_local.slice(0, 16) : '', 'aria-describedby': 'post-when-zone' });
    const bar = h(
      'div',
      { class: 'post-actions' },
      h(
        'div',
        { class: 'row' },
        editable ? h('button', { type: 'submit', id: 'post-save', class: 'secondary' }, t('editor.save')) : null,
        editable && (state === 'draft' || state === 'failed') ? h('button', { type: 'button', id: 'post-submit', class: 'primary', onclick: () => this.submit() }, t('editor.submit')) : null,
        p && !FINAL.includes(state) ? h('button', { type: 'button', id: 'post-cancel', class: 'danger', onclick: () => this.cancel() }, t('editor.cancel')) : null,
      ),
    );
    if (SCHEDULABLE.includes(state)) {
      bar.append(
        h(
          'div',
          { class: 'row schedule-row' },
          h('label', { for: 'post-when' }, t('editor.when')),
          this.when,
          h('span', { id: 'post-when-zone', class: 'hint' }, t('editor.zone', { zone: this.zone })),
          h('button', { type: 'button', id: 'post-schedule', class: 'secondary', onclick: () => this.schedule() }, t('editor.schedule')),
          p && p.scheduled_at ? h('button', { type: 'button', id: 'post-unschedule', class: 'secondary', onclick: () => this.act('unschedule', { version: this.post.version }, 'editor.unscheduled') }, t('editor.unschedule')) : null,
        ),
      );
    }
    return bar;
  }

  // --- variants -------------------------------------------------------------------------

  toggleChannel(c, on) {
    if (on) this.addVariant(c, null);
    else this.removeVariant(c.id);
    this.changed();
  }

  addVariant(c, stored) {
    if (this.variants.has(c.id)) return;
    const ro = !this.editable();
    const v = { channel: c };
    v.mirror = h('div', { class: 'mirror', 'aria-hidden': 'true' });
    v.text = h('textarea', {
      id: `variant-text-${c.id}`,
      class: 'variant-text',
      rows: '4',
      disabled: ro,
      placeholder: t('editor.variant_placeholder'),
      'aria-describedby': `variant-est-${c.id} variant-verdict-${c.id}`,
    });
    v.text.value = stored ? stored.text : '';
    v.text.addEventListener('input', () => {
      renderMarks(v.mirror, v.text.value, null);
      this.changed();
    });
    v.text.addEventListener('scroll', () => (v.mirror.scrollTop = v.text.scrollTop));
    v.est = h('p', { id: `variant-est-${c.id}`, class: 'estimate', 'aria-live': 'polite' });
    v.verdict = h('span', { id: `variant-verdict-${c.id}`, class: 'badge verdict-badge', hidden: true });
    v.error = h('p', { class: 'error', hidden: true });
    v.wire = h('div', { id: `variant-wire-${c.id}`, class: 'wire', 'aria-label': t('editor.wire') });
    v.assetIds = stored ? [...(stored.asset_ids || [])] : [];
    v.mediaInfo = new Map((stored && stored.media ? stored.media : []).map((m) => [m.asset_id, m]));
    v.limits = h('p', { id: `variant-limits-${c.id}`, class: 'hint media-limits' });
    v.mediaList = h('ol', { id: `variant-media-${c.id}`, class: 'media-list', 'aria-label': t('editor.media_for', { channel: c.name }) });
    const mediaBox = h(
      'div',
      { class: 'variant-media', role: 'group', 'aria-labelledby': `variant-media-title-${c.id}` },
      h('p', { id: `variant-media-title-${c.id}`, class: 'wire-label hint' }, t('editor.media')),
      v.limits,
      v.mediaList,
      ro ? null : h('button', { type: 'button', id: `variant-add-media-${c.id}`, class: 'secondary small', onclick: () => this.attachMedia(v) }, t('editor.add_media')),
    );
    v.findings = h('ul', { id: `variant-findings-${c.id}`, class: 'findings', 'aria-label': t('editor.findings_for', { channel: c.name }) });
    v.root = h(
      'section',
      { class: 'variant card', id: `variant-${c.id}`, dataset: { channelId: String(c.id), kind: c.kind }, 'aria-labelledby': `variant-title-${c.id}` },
      h('h3', { id: `variant-title-${c.id}` }, t('editor.variant_title', { channel: c.name }), ' ', v.verdict),
      h(
        'div',
        { class: 'composer-grid' },
        h(
          'div',
          { class: 'composer-main' },
          h('label', { for: `variant-text-${c.id}`, class: 'visually-hidden' }, t('editor.variant_label', { channel: c.name })),
          h('div', { class: 'editor' }, v.mirror, v.text),
          v.est,
          v.error,
          mediaBox,
          h('p', { class: 'wire-label hint' }, t('editor.wire')),
          v.wire,
        ),
        h('aside', { class: 'guard-panel', 'aria-label': t('editor.findings_for', { channel: c.name }) }, v.findings),
      ),
    );
    this.variants.set(c.id, v);
    // channel order as listed
    const order = this.channels.map((x) => x.id).filter((id) => this.variants.has(id));
    replace(this.variantBox, order.map((id) => this.variants.get(id).root));
    renderMarks(v.mirror, v.text.value, null);
    renderFindingList(v.findings, null);
    this.renderMedia(v);
  }

  // The variant's media in order: thumbnail, name, alt text, file or link
  // (from the last check), and up / down / remove while it can be edited.
  renderMedia(v) {
    const ro = !this.editable();
    const n = v.assetIds.length;
    // drawn again only when something shown changed, keeping the focus
    const key = JSON.stringify([ro, v.assetIds.map((id) => [id, this.assets.get(id), v.mediaInfo.get(id)])]);
    if (key === v.mediaKey) return;
    v.mediaKey = key;
    const focused = v.mediaList.contains(document.activeElement) ? document.activeElement : null;
    const focusItem = focused && focused.closest('li.media-item');
    const focusAt = focusItem ? [focusItem.dataset.assetId, [...focusItem.querySelectorAll('button')].indexOf(focused)] : null;
    replace(
      v.mediaList,
      n
        ? v.assetIds.map((id, i) => {
          const a = this.assets.get(id) || unknownAsset(id, v.mediaInfo.get(id));
          const name = a.name || `#${id}`;
          const button = (cls, label, text, disabled, fn) =>
            h('button', { type: 'button', class: `secondary small ${cls}`, 'aria-label': t(label, { name }), title: t(label, { name }), disabled, onclick: fn }, text);
          const buttons = ro
            ? []
            : [
              button('media-up', 'editor.media_up', '↑', i === 0, () => this.moveMedia(v, i, -1, 'media-up')),
              button('media-down', 'editor.media_down', '↓', i === n - 1, () => this.moveMedia(v, i, 1, 'media-down')),
              button('media-remove danger', 'editor.media_remove', t('media.remove'), false, () => this.moveMedia(v, i, 0, 'media-remove')),
            ];
          return mediaItem(a, { info: v.mediaInfo.get(id), buttons });
        })
        : h('li', { class: 'empty hint' }, t('editor.no_media')),
    );
    if (focusAt) v.mediaList.querySelectorAll(`li.media-item[data-asset-id="${focusAt[0]}"] button`)[focusAt[1]]?.focus();
  }

  // Moves the medium at `i` by `dir` (0: removes it) and keeps the focus on
  // the same kind of button (or the add button when none is left).
  moveMedia(v, i, dir, cls) {
    const [id] = v.assetIds.splice(i, 1);
    if (dir) v.assetIds.splice(i + dir, 0, id);
    this.renderMedia(v);
    this.changed();
    const items = [...v.mediaList.querySelectorAll('li.media-item')];
    const at = dir ? items[i + dir] : items[Math.min(i, items.length - 1)];
    const target = at && at.querySelector(`.${cls.split(' ')[0]}:not([disabled])`);
    (target || (at && at.querySelector('button:not([disabled])')) || document.getElementById(`variant-add-media-${v.channel.id}`))?.focus();
    announce(t(dir ? 'editor.media_moved' : 'editor.media_removed', { name: (this.assets.get(id) || {}).name || `#${id}` }));
  }

  async attachMedia(v) {
    const chosen = await pickMedia(v.channel.name, v.assetIds);
    this.assets = await loadAssets();
    if (this.destroyed) return;
    if (chosen.length) {
      v.assetIds.push(...chosen);
      this.changed();
    }
    this.renderMedia(v);
    document.getElementById(`variant-add-media-${v.channel.id}`)?.focus();
  }

  removeVariant(id) {
    const v = this.variants.get(id);
    if (!v) return;
    v.root.remove();
    this.variants.delete(id);
  }

  draft() {
    const flags = this.emotional && this.emotional.checked ? ['emotional'] : [];
    return {
      title: this.title ? this.title.value : '',
      body: this.body ? this.body.value : '',
      link: this.link ? this.link.value.trim() : '',
      flags,
      variants: [...this.variants.values()].map((v) => ({ channel_id: v.channel.id, text: v.text.value, asset_ids: v.assetIds })),
    };
  }

  changed() {
    renderMarks(this.bodyMirror, this.body.value, null);
    if (!this.variants.size) {
      this.live.cancel();
      this.applyChecks(null);
      return;
    }
    this.live.schedule();
  }

  dirty() {
    return JSON.stringify(this.draft()) !== this.saved;
  }

  // The verdicts stored with the post, until the first live check answers.
  showStored() {
    if (!this.post) return;
    this.applyChecks(
      this.post.variants.map((v) => ({
        channel_id: v.channel_id,
        wire_text: v.wire_text,
        verdict: typeof v.verdict === 'object' && v.verdict.action ? v.verdict : { action: v.action, findings: [] },
        media: v.media,
        media_limits: v.media_limits,
      })),
    );
  }

  applyChecks(checks) {
    if (this.destroyed) return;
    const byId = new Map((checks || []).map((c) => [c.channel_id, c]));
    const baseFindings = [];
    for (const v of this.variants.values()) {
      const c = byId.get(v.channel.id);
      if (!c) {
        v.verdict.hidden = true;
        v.est.textContent = '';
        v.error.hidden = true;
        replace(v.wire);
        renderMarks(v.mirror, v.text.value, null);
        renderFindingList(v.findings, null);
        v.limits.textContent = '';
        continue;
      }
      this.applyMedia(v, c);
      const findings = (c.verdict && c.verdict.findings) || [];
      const action = (c.verdict && c.verdict.action) || 'allow';
      v.root.dataset.action = action;
      v.verdict.hidden = false;
      v.verdict.dataset.action = action;
      v.verdict.className = `badge verdict-badge act-${action}`;
      v.verdict.textContent = t(`action.${action}`);
      renderMarks(v.wire, c.wire_text || '', findings);
      // the typed text is underlined where the wire text starts with it
      const own = v.text.value;
      const source = own || this.body.value;
      const onSource = source && (c.wire_text || '').startsWith(source) ? clip(findings, cps(source)) : [];
      renderMarks(v.mirror, own, own ? onSource : null);
      if (!own) baseFindings.push(...onSource);
      v.mirror.scrollTop = v.text.scrollTop;
      renderFindingList(v.findings, findings, own && onSource.length ? (f) => selectSpan(v.text, f) : null);
      this.renderEstimate(v, c.estimate);
      v.error.hidden = !c.error;
      v.error.textContent = c.error || '';
    }
    renderMarks(this.bodyMirror, this.body.value, baseFindings.length ? baseFindings : null);
  }

  // The channel's limits and, per medium, file or link, from a check. A
  // check without media answers empty limits, so the last ones known for
  // the channel stay (the stored post's name them too).
  applyMedia(v, c) {
    for (const a of c.assets || []) if (a && a.id) this.assets.set(a.id, { ...this.assets.get(a.id), ...a });
    if (c.media) v.mediaInfo = new Map(c.media.map((m) => [m.asset_id, m]));
    const l = c.media_limits;
    if (l && ((c.media || []).length || l.max_images > 0 || l.max_videos > 0)) this.limits.set(v.channel.id, l);
    v.limits.textContent = limitsText(v.channel.name, this.limits.get(v.channel.id));
    this.renderMedia(v);
  }

  renderEstimate(v, e) {
    if (!e) {
      v.est.textContent = '';
      return;
    }
    const unit = t(`unit.${e.unit}`) === `unit.${e.unit}` ? e.unit : t(`unit.${e.unit}`);
    const remaining = e.limit > 0 ? e.limit - e.length : 0;
    let s = e.limit > 0 ? t('estimate.remaining', { remaining, limit: e.limit, unit }) : t('estimate.length', { length: e.length, unit });
    if (e.currency) s += ` · ${t('estimate.cost', { cost: fmtMoney(e.cost, e.currency) })}`;
    if (e.warning) s += ` · ${e.warning}`;
    v.est.textContent = s;
    v.est.dataset.remaining = e.limit > 0 ? String(remaining) : '';
    v.est.classList.toggle('over', e.limit > 0 && remaining < 0);
  }

  // --- actions --------------------------------------------------------------------------

  say(text, kind = 'info') {
    this.msg.textContent = text;
    this.msg.className = `decision-message decision-${kind}`;
    if (kind !== 'info') announce(text, kind === 'blocked' ? 'error' : 'warn');
  }

  fail(e) {
    if (e instanceof ApiError && e.status === 409) this.say(t('editor.conflict'), 'conflict');
    else this.say(e.message, 'blocked');
  }

  // Stores the draft (create or edit); returns the post or null on failure.
  async save(quiet) {
    const d = this.draft();
    if (!d.title.trim()) {
      this.say(t('editor.need_title'), 'blocked');
      this.title.focus();
      return null;
    }
    if (!d.variants.length) {
      this.say(t('editor.need_channel'), 'blocked');
      return null;
    }
    try {
      let p;
      let outcome = null;
      if (!this.post) {
        p = await post('/api/v1/posts', d);
        history.replaceState(null, '', `#/posts/${p.id}`);
      } else {
        const before = this.post.state;
        const o = await put(`/api/v1/posts/${this.post.id}`, { ...d, version: this.post.version });
        p = o.post;
        // an edited submitted/approved/scheduled post went to approval again
        if (before !== 'draft' && before !== 'failed' && o.decision && o.decision !== 'draft') outcome = o;
      }
      this.reopen(p);
      if (outcome) this.say(this.decisionText(outcome), outcome.decision === 'blocked' ? 'blocked' : outcome.decision === 'submitted' ? 'held' : 'info');
      else if (!quiet) this.say(t('editor.saved'));
      return p;
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  decisionText(o) {
    const reasons = (o.approval_reasons || []).join('; ');
    if (o.decision === 'submitted') return t('editor.decision.submitted', { reasons: reasons || '–' });
    if (o.decision === 'blocked') return `${t('editor.decision.blocked')}${o.message ? ` ${o.message}` : ''}`;
    return t(`editor.decision.${o.decision}`);
  }

  async submit() {
    if (!this.post || this.dirty()) {
      if (!(await this.save(true))) return;
    }
    try {
      const o = await post(`/api/v1/posts/${this.post.id}/submit`, { version: this.post.version });
      this.reopen(o.post);
      if (o.decision === 'blocked') this.applyChecks(o.checks || []);
      this.say(this.decisionText(o), o.decision === 'blocked' ? 'blocked' : o.decision === 'submitted' ? 'held' : 'info');
    } catch (e) {
      this.fail(e);
    }
  }

  async schedule() {
    const when = this.when.value;
    if (!when) {
      this.say(t('editor.need_time'), 'blocked');
      this.when.focus();
      return;
    }
    if (!this.post || this.dirty()) {
      if (!(await this.save(true))) return;
    }
    await this.act('schedule', { scheduled_at: when, version: this.post.version }, 'editor.scheduled');
  }

  async cancel() {
    if (!(await confirmDialog(t('editor.cancel_question'), t('editor.cancel')))) return;
    await this.act('cancel', { version: this.post.version }, 'editor.cancelled');
  }

  async act(path, body, doneKey) {
    try {
      const p = await post(`/api/v1/posts/${this.post.id}/${path}`, body);
      this.reopen(p);
      this.say(t(doneKey, { when: p.scheduled_at ? fmtZoned(p.scheduled_at, this.zone) : '', zone: this.zone }));
    } catch (e) {
      this.fail(e);
    }
  }

  async setShareable(box) {
    try {
      const p = await put(`/api/v1/posts/${this.post.id}/shareable`, { shareable: box.checked });
      this.reopen(p);
      this.say(t(p.shareable ? 'editor.shared_on' : 'editor.shared_off'));
    } catch (e) {
      box.checked = !box.checked;
      this.fail(e);
    }
  }

  // Draws the editor again for the post as the server now has it, keeping
  // the message line and the focus's place.
  reopen(p, quiet) {
    const msg = this.msg.textContent;
    const cls = this.msg.className;
    const focusId = document.activeElement && this.root.contains(document.activeElement) ? document.activeElement.id : '';
    this.post = p;
    this.variants.clear();
    this.build();
    this.msg.textContent = msg;
    this.msg.className = cls;
    const el = focusId && document.getElementById(focusId);
    if (el) el.focus();
    if (!quiet) this.onChanged(p);
  }
}
