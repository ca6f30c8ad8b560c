// Media shared by the Publish pages (media.js, post_editor.js, approvals.js):
// the thumbnail of an asset (a stored image from /api/v1/assets/{id}/file, a
// poster tile for a video, the address of a URL reference), its facts (type,
// pixel size, file size), the licence and consent warnings (rule R09 holds
// posts with them), a channel's media limits as a sentence, one medium in a
// list (thumbnail, name, alt text, "native" or "as a link") and the dialog
// that picks media from the library.
import { get } from './api.js';
import { h, replace } from './dom.js';
import { t, fmtNumber } from './i18n.js';
import { modal } from './admin_common.js';

export const CONSENTS = ['not_needed', 'given', 'missing'];

// All assets of the library by id (empty when it cannot be read).
export async function loadAssets() {
  try {
    return new Map(((await get('/api/v1/assets')).assets || []).map((a) => [a.id, a]));
  } catch {
    return new Map();
  }
}

export function mediaKind(a) {
  const m = String((a && a.mime_type) || '');
  if (m.startsWith('image/')) return 'image';
  if (m.startsWith('video/')) return 'video';
  return 'other';
}

// "5 MB", "512 kB", "820 byte": binary steps when the number is a whole
// multiple of them (limits such as 5 MiB), decimal ones otherwise.
export function fmtBytes(n) {
  if (!(n > 0)) return '';
  const steps = [['gigabyte', 3], ['megabyte', 2], ['kilobyte', 1]];
  for (const [unit, p] of steps) {
    const base = n % 1024 ** p === 0 ? 1024 : 1000;
    if (n >= base ** p) return fmtNumber(n / base ** p, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 });
  }
  return fmtNumber(n, { style: 'unit', unit: 'byte', unitDisplay: 'short' });
}

// "1200 × 800 px", or '' when the size is not known.
export function fmtPixels(a) {
  return a.width > 0 && a.height > 0 ? t('media.pixels', { w: a.width, h: a.height }) : '';
}

// What holds a post that uses this asset (R09): keys of media.warn_*.
export function assetWarnings(a) {
  const out = [];
  if (a.unknown) return out;
  if (!String(a.licence || '').trim()) out.push('licence');
  if (!a.consent || a.consent === 'missing') out.push('consent');
  return out;
}

// The preview of an asset: the stored image itself, the stored video with
// its controls (only its metadata is loaded until it is played), the address
// of a URL reference (the app loads nothing from other hosts).
export function mediaThumb(a) {
  const kind = mediaKind(a);
  if (a.file_url && kind === 'image') {
    return h('img', { class: 'media-thumb', src: a.file_url, alt: a.alt_text || '', loading: 'lazy', dataset: { assetId: String(a.id) } });
  }
  if (a.file_url && kind === 'video') {
    return h('video', { class: 'media-thumb media-video', src: a.file_url, controls: true, preload: 'metadata', 'aria-label': t('media.video_label', { name: a.name }), title: a.alt_text || a.name, dataset: { assetId: String(a.id) } });
  }
  return h(
    'span',
    { class: 'media-thumb media-link-tile', dataset: { assetId: String(a.id) } },
    h('span', { class: 'media-kind' }, t(`media.kind.${kind}`)),
    h('span', { class: 'media-url-text' }, a.url || a.name),
  );
}

// "image/png · 1200 × 800 px · 34 kB"
export function mediaFacts(a) {
  return [a.mime_type, fmtPixels(a), fmtBytes(a.size)].filter(Boolean).join(' · ');
}

// One medium in a list (editor, approvals): thumbnail, name, facts, alt text
// (or that it has none), the R09 warnings, and with `info` from the check
// whether it goes as a file ("native") or as a link in the text; `buttons`
// (reorder, remove) at the end.
export function mediaItem(a, { info, buttons, id } = {}) {
  const warn = assetWarnings(a);
  return h(
    'li',
    { class: 'media-item', id, dataset: info ? { assetId: String(a.id), native: String(Boolean(info.native)) } : { assetId: String(a.id) } },
    mediaThumb(a),
    h(
      'div',
      { class: 'media-item-text' },
      h('span', { class: 'media-name' }, a.name || `#${a.id}`),
      info ? ' ' : null,
      info
        ? h('span', { class: `badge media-native ${info.native ? 'is-native' : 'is-link'}` }, t(info.native ? 'media.native' : 'media.as_link'))
        : null,
      h('span', { class: 'hint media-facts' }, mediaFacts(a)),
      a.alt_text
        ? h('span', { class: 'media-alt' }, h('span', { class: 'visually-hidden' }, t('media.alt_text'), ': '), a.alt_text)
        : h('span', { class: 'media-alt missing' }, t(mediaKind(a) === 'image' ? 'media.no_alt' : 'media.no_alt_other')),
      warn.map((w) => h('span', { class: 'media-warning' }, t(`media.warn_${w}`))),
    ),
    buttons && buttons.length ? h('span', { class: 'media-item-buttons' }, buttons) : null,
  );
}

// The limits of a channel as a sentence: "X: up to 4 images of 5 MB each or
// 1 video of 512 MB; alt text up to 1000 characters".
export function limitsText(channel, l) {
  if (!l) return '';
  const parts = [];
  if (l.max_images > 0) parts.push(t(l.max_images === 1 ? 'media.limits.image_one' : 'media.limits.images', { n: l.max_images, size: fmtBytes(l.max_image_bytes) || '–' }));
  if (l.max_videos > 0) parts.push(t(l.max_videos === 1 ? 'media.limits.video_one' : 'media.limits.videos', { n: l.max_videos, size: fmtBytes(l.max_video_bytes) || '–' }));
  if (!parts.length) return t('media.limits.none', { channel });
  let s = parts.join(t(l.mix_images_and_videos ? 'media.limits.and' : 'media.limits.or'));
  if (l.max_images > 0 && l.max_gif_bytes > 0 && l.max_gif_bytes !== l.max_image_bytes) s += t('media.limits.gif', { size: fmtBytes(l.max_gif_bytes) });
  s += l.max_alt_text > 0 ? t('media.limits.alt', { n: l.max_alt_text }) : t('media.limits.no_alt');
  return t('media.limits.line', { channel, limits: s });
}

// The picker: every asset of the library with its thumbnail as a checkbox
// (those in `taken` left out). Resolves with the chosen ids in the order
// ticked, or [] when cancelled. The library opens in a tab of its own (the
// draft in the editor stays); coming back to this tab reloads the list.
export async function pickMedia(channelName, taken = []) {
  const chosen = [];
  const box = (a) =>
    h(
      'li',
      { class: 'media-pick' },
      h(
        'label',
        { class: 'media-pick-label' },
        h('input', {
          type: 'checkbox',
          value: String(a.id),
          id: `media-pick-${a.id}`,
          checked: chosen.includes(a.id),
          onchange: (e) => {
            const i = chosen.indexOf(a.id);
            if (e.target.checked && i < 0) chosen.push(a.id);
            if (!e.target.checked && i >= 0) chosen.splice(i, 1);
          },
        }),
        mediaThumb(a),
        h('span', { class: 'media-name' }, a.name),
        h('span', { class: 'hint' }, mediaFacts(a)),
      ),
    );
  const slot = h('div', { id: 'media-pick-slot' });
  const ok = h('button', { type: 'submit', class: 'primary', value: 'ok', id: 'media-pick-ok' }, t('media.pick_attach'));
  const fill = async () => {
    const assets = [...(await loadAssets()).values()].filter((a) => !taken.includes(a.id));
    replace(slot, assets.length ? h('ul', { id: 'media-pick-list', class: 'media-pick-grid', 'aria-labelledby': 'media-pick-title' }, assets.map(box)) : h('p', { class: 'placeholder' }, t('media.pick_empty')));
    ok.disabled = !assets.length;
  };
  await fill();
  const refresh = () => {
    const focused = document.activeElement && document.activeElement.id;
    fill().then(() => focused && document.getElementById(focused)?.focus());
  };
  window.addEventListener('focus', refresh);
  return new Promise((resolve) => {
    const d = modal(
      { class: 'media-picker', id: 'media-picker', 'aria-labelledby': 'media-pick-title' },
      [
        h('h2', { id: 'media-pick-title' }, t('media.pick_title', { channel: channelName })),
        slot,
        h('p', { class: 'hint' }, h('a', { href: '#/media', target: '_blank', rel: 'noopener' }, t('media.pick_library'))),
        h('form', { method: 'dialog', class: 'row' }, ok, h('button', { type: 'submit', class: 'secondary', value: 'cancel', id: 'media-pick-cancel' }, t('cancel'))),
      ],
      (dlg) => {
        window.removeEventListener('focus', refresh);
        resolve(dlg.returnValue === 'ok' ? chosen : []);
      },
    );
    const first = d.querySelector('input[type=checkbox]');
    if (first) first.focus();
  });
}

// The media of each variant of a post, read only (approvals): per channel a
// heading and its media in order; nothing when no variant has any.
export function variantMediaBlock(post, assets, id) {
  const withMedia = (post.variants || []).filter((v) => (v.asset_ids || []).length);
  if (!withMedia.length) return null;
  const box = h('section', { id, class: 'variant-media-block', 'aria-labelledby': `${id}-title` }, h('h3', { id: `${id}-title` }, t('media.of_post')));
  for (const v of withMedia) {
    const info = new Map((v.media || []).map((m) => [m.asset_id, m]));
    box.append(
      h('h4', {}, v.channel),
      h(
        'ol',
        { class: 'media-list', dataset: { channelId: String(v.channel_id) }, 'aria-label': t('media.for_channel', { channel: v.channel }) },
        v.asset_ids.map((aid) => mediaItem(assets.get(aid) || unknownAsset(aid, info.get(aid)), { info: info.get(aid) })),
      ),
    );
  }
  return box;
}

// A stand-in for an asset the library list does not have (any more).
export function unknownAsset(id, info) {
  return { id, name: (info && info.name) || `#${id}`, mime_type: (info && info.mime_type) || '', size: (info && info.size) || 0, url: '', file_url: '', alt_text: '', unknown: true };
}
