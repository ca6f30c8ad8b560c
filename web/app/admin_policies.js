// Policy packs (permission policy:read; changes need policy:write): the
// active pack and version, every stored version; upload a new version (a
// pack folder or single files, validated first — problems listed with file,
// line and column), activate a version, roll back to the one before.
import { post, api } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, fmtDate, fmtNumber } from './i18n.js';
import { AdminSection, pageFrame, errorBox, showError, field, tableOr } from './admin_common.js';

// Files larger than this are refused in the browser already (the server's
// body limit applies to the whole upload).
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export class PoliciesPage extends AdminSection {
  constructor(root, me) {
    super(me, 'policies-error');
    this.canWrite = me.permissions.includes('policy:write');
    this.files = new Map(); // path → text
    this.activeLine = h('p', { id: 'policy-active', class: 'policy-active' });
    this.list = h('div', { id: 'policy-versions' });
    pageFrame(
      root,
      { name: 'policies', title: t('admin.policies'), help: t('policies.help'), onReload: () => this.load() },
      this.err,
      this.activeLine,
      this.list,
      this.canWrite ? this.uploadForm() : null,
    );
    this.load();
  }

  async load() {
    const r = await this.fetchList('/api/v1/policies');
    if (!r) return;
    this.name = r.active.name;
    const versions = (r.versions || []).slice().sort((a, b) => b.version - a.version);
    const active = versions.find((v) => v.active);
    replace(
      this.activeLine,
      t('policies.active_is', { name: r.active.name }),
      ' ',
      h('strong', { id: 'policy-active-version', dataset: { version: r.active.version } }, r.active.version ? t('policies.version_n', { n: r.active.version }) : t('policies.builtin')),
    );
    const canRollBack = this.canWrite && active && versions.some((v) => v.version < active.version);
    replace(
      this.list,
      tableOr(
        t('policies.none_stored'),
        t('policies.versions'),
        [t('policies.version'), t('policies.comment'), t('policies.created_by'), t('admin.created_at'), 'SHA-256', t('users.state'), this.canWrite ? t('users.actions') : null].filter(Boolean),
        versions.map((v) => this.row(v)),
        'policy-table',
      ),
      canRollBack
        ? h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'policy-rollback', onclick: () => this.rollback(active) }, t('policies.rollback')))
        : null,
    );
  }

  row(v) {
    const nameId = `policy-v${v.version}-name`;
    return h(
      'tr',
      { id: `policy-v${v.version}`, class: v.active ? 'is-active' : '', dataset: { version: v.version, active: v.active ? '1' : '0' } },
      h('th', { scope: 'row', id: nameId }, t('policies.version_n', { n: v.version })),
      h('td', { class: 'comment' }, v.comment || '–'),
      h('td', {}, v.created_by),
      h('td', {}, fmtDate(v.created_at)),
      h('td', {}, v.sha256 ? h('code', { title: v.sha256 }, v.sha256.slice(0, 12)) : '–'),
      h('td', {}, v.active ? h('span', { class: 'badge health-ok' }, t('policies.active')) : null),
      this.canWrite
        ? h(
            'td',
            {},
            v.active
              ? null
              : h('button', { type: 'button', class: 'secondary small activate', 'aria-describedby': nameId, onclick: () => this.activate(v) }, t('policies.activate')),
          )
        : null,
    );
  }

  activate(v) {
    return this.confirmRun(
      t('policies.confirm_activate', { n: v.version }),
      t('policies.activate'),
      () => post(`/api/v1/policies/${encodeURIComponent(v.name)}/versions/${v.version}/activate`),
      t('policies.activated', { n: v.version }),
    );
  }

  rollback(active) {
    return this.confirmRun(
      t('policies.confirm_rollback', { n: active.version }),
      t('policies.rollback'),
      () => post(`/api/v1/policies/${encodeURIComponent(active.name)}/rollback`),
      (r) => t('policies.rolled_back', { n: r.version }),
    );
  }

  // --- upload ---------------------------------------------------------------

  uploadForm() {
    this.upErr = errorBox('policy-upload-error');
    this.report = h('div', { id: 'policy-report', 'aria-live': 'polite' });
    this.fileList = h('ul', { class: 'file-list', id: 'policy-files' });
    const folder = h('input', { type: 'file', id: 'policy-folder', webkitdirectory: true, multiple: true });
    const single = h('input', { type: 'file', id: 'policy-file', multiple: true });
    folder.addEventListener('change', () => this.addFiles(folder.files, true));
    single.addEventListener('change', () => this.addFiles(single.files, false));
    this.inputs = [folder, single];
    const comment = h('input', { id: 'policy-comment', maxlength: 500, autocomplete: 'off' });
    this.validateBtn = h('button', { type: 'button', class: 'secondary', id: 'policy-validate', onclick: () => this.submit(false) }, t('policies.validate'));
    this.uploadBtn = h('button', { type: 'button', class: 'primary', id: 'policy-upload', onclick: () => this.submit(true) }, t('policies.upload'));
    this.comment = comment;
    this.renderFiles();
    return h(
      'section',
      { class: 'card admin-form', id: 'policy-upload-form', 'aria-labelledby': 'policy-upload-title' },
      h('h2', { id: 'policy-upload-title' }, t('policies.upload_title')),
      h('p', { class: 'hint' }, t('policies.upload_help')),
      h('div', { class: 'form-grid' }, field('policy-folder', t('policies.folder'), folder), field('policy-file', t('policies.single_files'), single, t('policies.single_help'))),
      this.fileList,
      field('policy-comment', t('policies.comment'), comment),
      this.upErr,
      h('div', { class: 'row' }, this.validateBtn, this.uploadBtn),
      this.report,
    );
  }

  async addFiles(list, fromFolder) {
    this.upErr.hidden = true;
    for (const f of list) {
      let path = f.name;
      // "default/company/terms.txt" from a folder → "company/terms.txt"
      if (fromFolder && f.webkitRelativePath) path = f.webkitRelativePath.split('/').slice(1).join('/');
      if (f.size > MAX_FILE_BYTES) {
        showError(this.upErr, new Error(t('policies.too_large', { name: path })));
        continue;
      }
      this.files.set(path, await f.text());
    }
    replace(this.report);
    this.renderFiles();
  }

  renderFiles() {
    const paths = [...this.files.keys()].sort();
    const hasPack = this.files.has('pack.toml');
    this.uploadBtn.disabled = !hasPack;
    this.validateBtn.disabled = !hasPack;
    replace(
      this.fileList,
      paths.length
        ? paths.map((p, i) => {
            const input = h('input', { value: p, id: `policy-path-${i}`, 'aria-label': t('policies.path_of', { name: p }), class: 'path', spellcheck: 'false' });
            input.addEventListener('change', () => {
              const next = input.value.trim();
              if (!next || next === p) return;
              const text = this.files.get(p);
              this.files.delete(p);
              this.files.set(next, text);
              this.renderFiles();
            });
            return h(
              'li',
              { dataset: { path: p } },
              input,
              h('span', { class: 'hint' }, t('policies.bytes', { n: new Blob([this.files.get(p)]).size })),
              h('button', { type: 'button', class: 'link', onclick: () => (this.files.delete(p), this.renderFiles()) }, t('teams.remove')),
            );
          })
        : h('li', { class: 'placeholder' }, t('policies.no_files')),
      paths.length && !hasPack ? h('li', { class: 'error' }, t('policies.needs_pack')) : null,
    );
  }

  // Validates; with `upload`, stores the pack as a new version when it is valid.
  async submit(upload) {
    this.upErr.hidden = true;
    const body = { files: Object.fromEntries(this.files) };
    if (this.comment.value.trim()) body.comment = this.comment.value.trim();
    const name = encodeURIComponent(this.name || 'default');
    this.validateBtn.disabled = this.uploadBtn.disabled = true;
    try {
      const report = await post(`/api/v1/policies/${name}/validate`, body);
      this.showReport(report);
      if (!upload || !report.ok) return;
      const r = await api('POST', `/api/v1/policies/${name}/versions`, body, { okStatuses: [422] });
      if (r.status === 422) {
        this.showReport(r.body.report);
        return;
      }
      announce(t('policies.uploaded', { n: r.body.version }));
      this.files.clear();
      this.comment.value = '';
      for (const i of this.inputs) i.value = '';
      this.renderFiles();
      replace(this.report, h('p', { class: 'ok-line', id: 'policy-uploaded' }, t('policies.uploaded', { n: r.body.version })));
      await this.load();
    } catch (e) {
      showError(this.upErr, e);
    } finally {
      this.renderFiles();
    }
  }

  showReport(report) {
    const problems = report.problems || [];
    replace(
      this.report,
      h(
        'div',
        { class: `report ${report.ok ? 'report-ok' : 'report-bad'}`, id: 'policy-report-box', dataset: { ok: report.ok ? '1' : '0' } },
        h(
          'p',
          { class: report.ok ? 'ok-line' : 'error' },
          report.ok
            ? t('policies.valid', { rules: report.rules, examples: report.examples_passed, ms: fmtNumber(report.compile_ms, { maximumFractionDigits: 1 }) })
            : t('policies.invalid', { n: problems.length }),
        ),
        problems.length
          ? h(
              'ol',
              { class: 'problems', id: 'policy-problems' },
              problems.map((p) =>
                h(
                  'li',
                  { class: 'problem', dataset: { file: p.file, line: p.line, column: p.column } },
                  h('code', { class: 'where' }, t('policies.where', { file: p.file || '?', line: String(p.line || '?'), column: String(p.column || '?') })),
                  p.rule ? [' ', h('span', { class: 'badge' }, p.rule)] : null,
                  ' ',
                  h('span', { class: 'message' }, p.message),
                ),
              ),
            )
          : null,
      ),
    );
  }
}
