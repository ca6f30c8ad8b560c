// Posts (#/posts, permission posts:read; writing posts:write): the list of
// posts by state on the left (GET /api/v1/posts, 50 at a time, "Load more"
// with before_id), the editor of the opened post (#/posts/{id}) or of a new
// one (#/posts/new) on the right. Follows the `publish.post`, `publish.sent`,
// `publish.send_failed`, `publish.cooldown` and `desk.approval` events so that approvals and the send queue show without a reload.
import { get } from './api.js';
import { h, replace, listLayout, inlineField } from './dom.js';
import { t } from './i18n.js';
import { on } from './events.js';
import { PostEditor } from './post_editor.js';
import { POST_STATES, companyZone, fmtZoned, postTime, stateBadge } from './publish_common.js';

const PAGE_SIZE = 50;

function routeId(hash) {
  const m = /^#\/posts\/(\d+|new)$/.exec(hash);
  if (!m) return null;
  return m[1] === 'new' ? 0 : Number(m[1]);
}

export class PostsPage {
  constructor(main, me) {
    this.me = me;
    this.canWrite = (me.permissions || []).includes('posts:write');
    this.state = sessionStorage.getItem('lp.posts.state') || '';
    this.mine = sessionStorage.getItem('lp.posts.mine') === '1';
    this.rows = [];
    this.editor = null;
    this.openId = null;
    this.zone = 'UTC';
    this.reloadTimer = 0;
    this.loadSeq = 0;
    this.list = h('ul', { id: 'posts-list', class: 'approvals-list posts-list', 'aria-label': t('posts.list') });
    this.count = h('p', { class: 'count', id: 'posts-count', 'aria-live': 'polite' });
    this.more = h('button', { type: 'button', id: 'posts-more', class: 'secondary more', hidden: true, onclick: () => this.load(true) }, t('approvals.more'));
    const filter = h(
      'select',
      { id: 'posts-state', onchange: (e) => this.setFilter(e.target.value, this.mine) },
      h('option', { value: '' }, t('posts.all_states')),
      POST_STATES.map((s) => h('option', { value: s, selected: s === this.state }, t(`post_state.${s}`))),
    );
    const mine = h('input', { type: 'checkbox', id: 'posts-mine', checked: this.mine, onchange: (e) => this.setFilter(this.state, e.target.checked) });
    this.pane = h('section', { id: 'post-pane', class: 'conversation-pane', 'aria-label': t('posts.detail') });
    listLayout(
      main,
      { name: 'posts', title: t('nav.posts'), filters: [inlineField('posts-state', t('filter.state'), filter), h('label', { class: 'check' }, mine, ` ${t('posts.mine')}`)] },
      [this.canWrite ? h('p', { class: 'new-post' }, h('a', { id: 'post-new', class: 'button primary', href: '#/posts/new' }, t('posts.new'))) : null, this.count, this.list, this.more],
      this.pane,
    );
    this.main = main;
    this.onHash = () => this.route();
    window.addEventListener('hashchange', this.onHash);
    const reload = () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.load(), 300);
    };
    this.offs = [
      on('desk.approval', reload),
    ];
    // the post's own changes and the send queue's (sent, failed for good)
    for (const type of ['publish.post', 'publish.sent', 'publish.send_failed', 'publish.cooldown']) {
      this.offs.push(
        on(type, (data) => {
          reload();
          if (this.editor && data && data.post_id === this.openId) this.editor.refresh();
        }),
      );
    }
    companyZone().then((z) => {
      this.zone = z;
      return this.load();
    }).then(() => this.route());
  }

  destroy() {
    window.removeEventListener('hashchange', this.onHash);
    this.offs.forEach((off) => off());
    clearTimeout(this.reloadTimer);
    if (this.editor) this.editor.destroy();
  }

  setFilter(state, mine) {
    this.state = state;
    this.mine = mine;
    sessionStorage.setItem('lp.posts.state', state);
    sessionStorage.setItem('lp.posts.mine', mine ? '1' : '0');
    this.load();
  }

  async load(more) {
    const seq = ++this.loadSeq;
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.state) q.set('state', this.state);
    if (this.mine) q.set('mine', '1');
    if (more && this.rows.length) q.set('before_id', String(this.rows[this.rows.length - 1].id));
    let r;
    try {
      r = await get(`/api/v1/posts?${q}`);
    } catch (e) {
      replace(this.list, h('li', { class: 'empty error' }, e.message));
      return;
    }
    if (seq !== this.loadSeq) return;
    const posts = r.posts || [];
    this.rows = more ? this.rows.concat(posts) : posts;
    this.more.hidden = posts.length < PAGE_SIZE;
    this.count.textContent = t('posts.count', { n: this.rows.length });
    if (!this.rows.length) {
      replace(this.list, h('li', { class: 'empty' }, t('posts.empty')));
      return;
    }
    replace(
      this.list,
      this.rows.map((p) =>
        h(
          'li',
          { class: `inbox-item${p.id === this.openId ? ' is-open' : ''}`, dataset: { id: String(p.id), state: p.state } },
          h(
            'a',
            { href: `#/posts/${p.id}`, 'aria-current': p.id === this.openId ? 'true' : null },
            h('span', { class: 'line1' }, h('span', { class: 'name' }, p.title), stateBadge(p.state)),
            h(
              'span',
              { class: 'line2' },
              h('span', { class: 'channel' }, p.variants.map((v) => v.channel).join(', ')),
              postTime(p) ? h('time', { datetime: postTime(p) }, fmtZoned(postTime(p), this.zone)) : null,
            ),
          ),
        ),
      ),
    );
  }

  route() {
    const id = routeId(location.hash);
    if (id === null) {
      if (this.editor) this.editor.destroy();
      this.editor = null;
      this.openId = null;
      this.main.classList.remove('has-open');
      replace(this.pane, h('p', { class: 'placeholder' }, t(this.canWrite ? 'posts.pick_or_new' : 'posts.pick')));
      return;
    }
    if (id === 0 && !this.canWrite) return;
    if (this.editor && id === this.openId) return;
    if (this.editor) this.editor.destroy();
    this.openId = id;
    this.main.classList.add('has-open');
    this.editor = new PostEditor(this.pane, {
      id,
      me: this.me,
      onChanged: (p) => {
        this.openId = p.id;
        this.load();
      },
    });
    this.load();
  }

  onKey(ev) {
    if (ev.key === 'n' && this.canWrite) {
      ev.preventDefault();
      location.hash = '#/posts/new';
    } else if (ev.key === 'Escape' && this.openId !== null) {
      ev.preventDefault();
      location.hash = '#/posts';
    }
  }
}
