// The media library (#/media, permission posts:read; adding, editing and
// deleting posts:write): upload files by the file picker or by dropping them
// (several at once, each with its progress and the server's answer; the
// server decides what it takes), with alt text, licence note and consent;
// add a URL reference; every medium as a card with its thumbnail, type,
// pixel size, file size, alt text, licence and consent (a missing licence or
// consent is a warning: rule R09 holds posts that use it), Edit (PATCH) and
// Delete (409: a post uses it).
import { api, post, patch, upload, ApiError } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { AdminSection, pageFrame, formCard, errorBox, showError, onSubmit, field, modal, confirmDialog } from './admin_common.js';
import { CONSENTS, mediaThumb, mediaKind, assetWarnings, fmtBytes } from './media_common.js';

// The consent choice; `value` is also what a form reset goes back to.
function consentSelect(id, value = 'missing') {
  return h(
    'select',
    { id },
    CONSENTS.map((c) => {
      const o = h('option', { value: c }, t(`media.consent.${c}`));
      o.defaultSelected = c === value;
      return o;
    }),
  );
}

export class MediaPage extends AdminSection {
  constructor(main, me) {
    super(me, 'media-error');
    this.canWrite = (me.permissions || []).includes('posts:write');
    this.pending = []; // {file, row, bar, result, state}
    this.list = h('ul', { id: 'media-grid', class: 'media-grid', 'aria-labelledby': 'media-grid-title', 'aria-busy': 'true' });
    this.count = h('p', { id: 'media-count', class: 'hint', 'aria-live': 'polite' });
    pageFrame(
      main,
      { name: 'media', title: t('nav.media'), help: t('media.help'), onReload: () => this.load(), reloadId: 'media-reload', focusable: true },
      this.err,
      this.canWrite ? h('div', { class: 'media-forms' }, this.uploadForm(), this.urlForm()) : null,
      h('h2', { id: 'media-grid-title', class: 'media-grid-title' }, t('media.library')),
      this.count,
      this.list,
    );
    // a file dropped beside the box is not opened by the browser (the page
    // would be gone)
    this.noDrop = (e) => {
      if (this.drop && this.drop.contains(e.target)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
    };
    document.addEventListener('dragover', this.noDrop);
    document.addEventListener('drop', this.noDrop);
    this.load();
  }

  destroy() {
    super.destroy();
    document.removeEventListener('dragover', this.noDrop);
    document.removeEventListener('drop', this.noDrop);
  }

  async load() {
    const r = await this.fetchList('/api/v1/assets');
    this.list.removeAttribute('aria-busy');
    if (!r) return;
    const assets = (r.assets || []).slice().sort((a, b) => b.id - a.id);
    this.count.textContent = t('media.count', { n: assets.length });
    replace(this.list, assets.length ? assets.map((a) => this.card(a)) : h('li', { class: 'placeholder' }, t('media.empty')));
  }

  // --- upload ---------------------------------------------------------------------------

  uploadForm() {
    this.fileInput = h('input', { type: 'file', id: 'media-files', multiple: true, accept: 'image/*,video/*', onchange: (e) => this.addFiles(e.target.files) });
    this.drop = h(
      'div',
      { id: 'media-drop', class: 'media-drop' },
      h('label', { for: 'media-files' }, t('media.choose')),
      this.fileInput,
      h('p', { class: 'hint' }, t('media.drop_hint')),
    );
    const over = (on) => (e) => {
      e.preventDefault();
      this.drop.classList.toggle('is-over', on);
    };
    this.drop.addEventListener('dragenter', over(true));
    this.drop.addEventListener('dragover', over(true));
    this.drop.addEventListener('dragleave', over(false));
    this.drop.addEventListener('drop', (e) => {
      over(false)(e);
      if (e.dataTransfer && e.dataTransfer.files) this.addFiles(e.dataTransfer.files);
    });
    this.uploads = h('ul', { id: 'media-uploads', class: 'media-uploads', 'aria-label': t('media.uploads'), 'aria-live': 'polite' });
    this.uploadButton = h('button', { type: 'submit', class: 'primary', id: 'media-upload', disabled: true }, t('media.upload'));
    const err = errorBox('media-upload-error');
    const form = formCard(
      'media-upload-form',
      t('media.upload_title'),
      this.drop,
      this.uploads,
      h(
        'div',
        { class: 'media-fields' },
        field('media-alt', t('media.alt_text'), h('textarea', { id: 'media-alt', rows: '2', 'aria-describedby': 'media-alt-hint' }), t('media.alt_hint')),
        field('media-licence', t('media.licence'), h('input', { id: 'media-licence', type: 'text', 'aria-describedby': 'media-licence-hint' }), t('media.licence_hint')),
        field('media-consent', t('media.consent_label'), consentSelect('media-consent')),
      ),
      err,
      h('div', { class: 'row' }, this.uploadButton),
    );
    onSubmit(form, err, () => this.uploadAll(form));
    return form;
  }

  addFiles(files) {
    for (const file of files) {
      const bar = h('progress', { max: '1', value: '0', 'aria-label': t('media.progress', { name: file.name }) });
      const result = h('span', { class: 'upload-result' }, t('media.waiting'));
      const item = { file, bar, result, state: 'waiting' };
      item.remove = h('button', {
        type: 'button',
        class: 'link small',
        'aria-label': t('media.unqueue', { name: file.name }),
        onclick: () => {
          this.pending = this.pending.filter((x) => x !== item);
          item.row.remove();
          this.syncUploadButton();
        },
      }, t('media.remove'));
      item.row = h('li', { class: 'media-upload-row', dataset: { name: file.name, state: 'waiting' } }, h('span', { class: 'media-name' }, file.name), h('span', { class: 'hint' }, [file.type || '?', fmtBytes(file.size)].filter(Boolean).join(' · ')), bar, result, item.remove);
      this.pending.push(item);
      this.uploads.append(item.row);
    }
    if (this.fileInput) this.fileInput.value = '';
    this.syncUploadButton();
  }

  syncUploadButton() {
    const n = this.pending.filter((x) => x.state === 'waiting').length;
    this.uploadButton.disabled = n === 0;
    this.uploadButton.textContent = n > 1 ? t('media.upload_n', { n }) : t('media.upload');
  }

  // One file after the other, each with its own progress and answer.
  async uploadAll(form) {
    const alt = form.querySelector('#media-alt').value.trim();
    const licence = form.querySelector('#media-licence').value.trim();
    const consent = form.querySelector('#media-consent').value;
    let ok = 0;
    let failed = 0;
    for (const item of this.pending.filter((x) => x.state === 'waiting')) {
      item.state = 'sending';
      item.row.dataset.state = 'sending';
      item.remove.hidden = true;
      item.result.textContent = t('media.sending');
      const q = new URLSearchParams({ name: item.file.name, consent });
      if (alt) q.set('alt_text', alt);
      if (licence) q.set('licence', licence);
      try {
        const a = await upload(`/api/v1/assets/files?${q}`, item.file, {
          onProgress: (f) => {
            if (f >= 0) item.bar.value = f;
            else item.bar.removeAttribute('value');
          },
        });
        item.bar.value = 1;
        item.state = 'done';
        item.row.dataset.state = 'done';
        item.row.dataset.assetId = String(a.id);
        item.result.className = 'upload-result ok';
        item.result.textContent = t('media.uploaded');
        ok++;
      } catch (e) {
        item.state = 'failed';
        item.row.dataset.state = 'failed';
        item.row.dataset.status = String(e.status || 0);
        item.bar.hidden = true;
        item.result.className = 'upload-result error';
        item.result.textContent = e instanceof ApiError && e.status === 0 ? t('media.upload_broken') : t('media.upload_failed', { status: e.status || '', message: e.message });
        failed++;
      }
    }
    this.pending = this.pending.filter((x) => x.state === 'waiting');
    this.syncUploadButton();
    announce(t('media.upload_done', { ok, failed }), failed ? 'warn' : 'info');
    await this.load();
  }

  // --- URL reference --------------------------------------------------------------------

  // Folded by default (a summary line); opens with Enter or a click.
  urlForm() {
    const err = errorBox('media-url-error');
    const form = h(
      'form',
      { id: 'media-url-form', 'aria-labelledby': 'media-url-title' },
      h('p', { class: 'hint' }, t('media.url_help')),
      h(
        'div',
        { class: 'media-fields' },
        field('media-url-name', t('media.name'), h('input', { id: 'media-url-name', type: 'text', required: true })),
        field('media-url-type', t('media.mime_type'), h('input', { id: 'media-url-type', type: 'text', required: true, placeholder: 'image/jpeg', list: 'media-types', 'aria-describedby': 'media-url-type-hint' }), t('media.mime_hint')),
        field('media-url', t('media.url'), h('input', { id: 'media-url', type: 'url', required: true, placeholder: 'https://' })),
        field('media-url-alt', t('media.alt_text'), h('textarea', { id: 'media-url-alt', rows: '2' })),
        field('media-url-licence', t('media.licence'), h('input', { id: 'media-url-licence', type: 'text' })),
        field('media-url-consent', t('media.consent_label'), consentSelect('media-url-consent')),
      ),
      h('datalist', { id: 'media-types' }, ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4'].map((m) => h('option', { value: m }))),
      err,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'secondary', id: 'media-url-add' }, t('media.url_add'))),
    );
    onSubmit(form, err, async () => {
      const v = (id) => form.querySelector(`#${id}`).value.trim();
      const a = await post('/api/v1/assets', { name: v('media-url-name'), url: v('media-url'), mime_type: v('media-url-type'), alt_text: v('media-url-alt'), licence: v('media-url-licence'), consent: v('media-url-consent') });
      form.reset();
      announce(t('media.added', { name: a.name }));
      await this.load();
    });
    return h('details', { id: 'media-url-box', class: 'card media-url-box' }, h('summary', {}, h('h2', { id: 'media-url-title' }, t('media.url_title'))), form);
  }

  // --- cards ----------------------------------------------------------------------------

  card(a) {
    const warn = assetWarnings(a);
    const msg = h('p', { class: 'error media-card-msg', role: 'alert', hidden: true });
    const facts = [
      [t('media.type'), h('span', { class: 'media-type' }, `${t(`media.kind.${mediaKind(a)}`)} (${a.mime_type})`)],
      a.width > 0 ? [t('media.pixel_size'), h('span', { class: 'media-pixels' }, t('media.pixels', { w: a.width, h: a.height }))] : null,
      a.size > 0 ? [t('media.file_size'), h('span', { class: 'media-size' }, fmtBytes(a.size))] : null,
      a.url ? [t('media.url'), h('a', { class: 'media-url', href: a.url, target: '_blank', rel: 'noopener noreferrer' }, a.url)] : null,
      [t('media.alt_text'), a.alt_text ? h('span', { class: 'media-alt' }, a.alt_text) : h('span', { class: 'media-alt missing' }, t('media.no_alt_short'))],
      [t('media.licence'), a.licence ? h('span', { class: 'media-licence' }, a.licence) : h('span', { class: 'media-licence missing' }, t('media.none'))],
      [t('media.consent_short'), h('span', { class: `media-consent consent-${a.consent || 'missing'}` }, t(`media.consent.${a.consent || 'missing'}`))],
      [t('media.added_by'), `${a.created_by_name || a.created_by || '?'} · ${fmtDate(a.created_at)}`],
    ].filter(Boolean);
    return h(
      'li',
      { class: `media-card card${warn.length ? ' has-warning' : ''}`, id: `media-${a.id}`, dataset: { id: String(a.id), kind: mediaKind(a) }, 'aria-labelledby': `media-${a.id}-name` },
      h('div', { class: 'media-card-thumb' }, mediaThumb(a)),
      h(
        'div',
        { class: 'media-card-body' },
        h('h3', { id: `media-${a.id}-name`, class: 'media-name' }, a.name),
        h('dl', { class: 'media-facts-list' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        warn.length
          ? h('p', { class: 'media-warning-box', dataset: { warn: warn.join(' ') } }, warn.map((w) => t(`media.warn_${w}`)).join(' '), ' ', t('media.warn_r09'))
          : null,
        msg,
        this.canWrite
          ? h(
            'div',
            { class: 'row' },
            h('button', { type: 'button', class: 'secondary small media-edit', 'aria-label': t('media.edit_named', { name: a.name }), onclick: () => this.edit(a) }, t('media.edit')),
            h('button', { type: 'button', class: 'secondary small danger media-delete', 'aria-label': t('media.delete_named', { name: a.name }), onclick: () => this.remove(a, msg) }, t('media.delete')),
          )
          : null,
      ),
    );
  }

  edit(a) {
    const err = errorBox('media-edit-error');
    const form = h(
      'form',
      { id: 'media-edit-form' },
      h('h2', { id: 'media-edit-title' }, t('media.edit_title', { name: a.name })),
      field('media-edit-name', t('media.name'), h('input', { id: 'media-edit-name', type: 'text', required: true, value: a.name })),
      field('media-edit-alt', t('media.alt_text'), h('textarea', { id: 'media-edit-alt', rows: '3' }, a.alt_text || ''), t('media.alt_hint')),
      field('media-edit-licence', t('media.licence'), h('input', { id: 'media-edit-licence', type: 'text', value: a.licence || '' })),
      field('media-edit-consent', t('media.consent_label'), consentSelect('media-edit-consent', a.consent || 'missing')),
      err,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', id: 'media-edit-save' }, t('media.save')),
        h('button', { type: 'button', class: 'secondary', id: 'media-edit-cancel', onclick: () => d.close() }, t('cancel')),
      ),
    );
    const d = modal({ class: 'media-edit', 'aria-labelledby': 'media-edit-title' }, [form]);
    onSubmit(form, err, async () => {
      const v = (id) => form.querySelector(`#${id}`).value;
      const r = await patch(`/api/v1/assets/${a.id}`, { name: v('media-edit-name').trim(), alt_text: v('media-edit-alt').trim(), licence: v('media-edit-licence').trim(), consent: v('media-edit-consent') });
      d.close();
      announce(t('media.saved', { name: (r && r.name) || a.name }));
      await this.load();
      document.querySelector(`#media-${a.id} .media-edit`)?.focus();
    });
    form.querySelector('#media-edit-alt').focus();
  }

  async remove(a, msg) {
    if (!(await confirmDialog(t('media.delete_question', { name: a.name }), t('media.delete')))) return;
    msg.hidden = true;
    try {
      await api('DELETE', `/api/v1/assets/${a.id}`);
      announce(t('media.deleted', { name: a.name }));
      await this.load();
    } catch (e) {
      const text = e instanceof ApiError && e.status === 409 ? t('media.in_use', { name: a.name, message: e.message }) : e.message;
      msg.textContent = text;
      msg.hidden = false;
      msg.dataset.status = String(e.status || '');
      announce(text, 'error');
      if (!(e instanceof ApiError)) showError(this.err, e);
    }
  }
}
