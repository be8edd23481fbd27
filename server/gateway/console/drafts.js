// The drafts screen: the drafts listed, a new one started from the rules
// served, and one open with what loading it finds and its parameters as
// a sheet. A changed cell is sent as one change (Drafts/EditDraft) on the
// revision shown, and the server's draft replaces what is shown: the
// server edits only that value's (or comment's) text in the file. A draft
// is checked (check.js) and submitted for approval from here, and shows
// its latest change request. Every text from the server goes in as text,
// never HTML.
import {call} from './api.js';
import {checkDraft, hideCheck} from './check.js';

const $ = (id) => document.getElementById(id);

let current = null;  // the draft open, as the server last gave it
// Changes go one after another, each on the revision the one before
// returned: two cells left quickly would otherwise race on one revision.
let queue = Promise.resolve();

function cell(row, text, className = '') {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function showError(id, error) {
  $(id).textContent = error ? error.message : '';
}

async function listDrafts() {
  const {drafts} = await call('Drafts/ListDrafts', {});
  const body = $('drafts-list').tBodies[0];
  body.replaceChildren();
  for (const draft of drafts) {
    const row = body.insertRow();
    row.dataset.draft = draft.id;
    if (current && current.summary.id === draft.id) row.classList.add('open');
    const open = document.createElement('button');
    open.type = 'button';
    open.textContent = draft.title;
    open.addEventListener(
        'click', () => openDraft(draft.id).catch((e) => showError('drafts-error', e)));
    row.insertCell().append(open);
    cell(row, draft.author);
    cell(row, draft.base_version);
    cell(row, `${draft.updated_at} by ${draft.updated_by}`);
    cell(row, draft.revision);
  }
}

function showDiagnostics(diagnostics) {
  const box = $('draft-diagnostics');
  box.replaceChildren();
  for (const diagnostic of diagnostics) {
    const item = $('diagnostic').content.firstElementChild.cloneNode(true);
    item.classList.add(diagnostic.severity);
    item.querySelector('pre').textContent = diagnostic.rendered || diagnostic.message;
    box.append(item);
  }
}

// Sends one change made on the revision shown; shows the draft after it,
// or the refusal beside the cell it came from (`from`: {parameter, field,
// typed}), which keeps what was typed there so that it can be corrected.
function change(edit, from) {
  queue = queue.then(() => send(edit, from)).catch((error) => showError('draft-error', error));
  return queue;
}

async function send(edit, from) {
  const request = {id: current.summary.id, revision: current.summary.revision, ...edit};
  try {
    showDraft(await call('Drafts/EditDraft', request));
    showError('draft-error', null);
  } catch (error) {
    if (error.code === 'aborted') {
      // Someone else changed it: show theirs, and say so.
      showDraft(await call('Drafts/GetDraft', {id: current.summary.id}));
      showError('draft-error', error);
      return;
    }
    showDraft(current);  // what the server has
    const row =
        from && $('parameters').querySelector(`tr[data-parameter="${CSS.escape(from.parameter)}"]`);
    if (row) {
      row.classList.add('refused');
      row.querySelector('.cell-error').textContent = error.message;
      const field = row.querySelector(`.${from.field}`);
      field.value = from.typed;
      field.classList.add('changed');
    } else {
      showError('draft-error', error);
    }
  }
  listDrafts().catch(() => {});  // the list's revision and time
}

// `loads`: whether the draft loads; its readers are known only then.
function parameterRow(body, parameter, loads) {
  const row = body.insertRow();
  row.dataset.parameter = parameter.name;
  const name = cell(row, parameter.name, 'name');
  name.title = `${parameter.file}:${parameter.line}`;

  const value = document.createElement('input');
  value.className = 'value';
  value.value = parameter.value;
  value.disabled = !parameter.editable;
  if (!parameter.editable) value.title = parameter.not_editable_reason;
  value.addEventListener('input', () => value.classList.add('changed'));
  value.addEventListener(
      'change',
      () => change(
          {
            set_parameter_value: {file: parameter.file, name: parameter.name, value: value.value},
          },
          {parameter: parameter.name, field: 'value', typed: value.value}));
  const valueCell = row.insertCell();
  const problem = document.createElement('div');
  problem.className = 'cell-error';
  valueCell.append(value, problem);

  const comment = document.createElement('textarea');
  comment.className = 'comment';
  // Tall enough for its lines, each wrapping about every 40 characters.
  comment.rows = parameter.comment.split('\n').reduce(
      (rows, line) => rows + Math.max(1, Math.ceil(line.length / 40)), 0);
  comment.value = parameter.comment;
  comment.placeholder = parameter.group_comment;
  comment.addEventListener('input', () => comment.classList.add('changed'));
  comment.addEventListener(
      'change',
      () => change(
          {
            set_parameter_comment:
                {file: parameter.file, name: parameter.name, comment: comment.value},
          },
          {parameter: parameter.name, field: 'comment', typed: comment.value}));
  row.insertCell().append(comment);

  let readers = parameter.read_by.join('\n');
  if (!readers) readers = loads ? 'no rule reads it' : 'not known while the draft does not load';
  cell(row, readers, 'readers');
}

// The cell being typed in, if any: its place, text and caret, so that a
// redraw of the sheet (an answer to an earlier change) keeps them.
function cellInUse() {
  const field = document.activeElement;
  const row = field && field.closest && field.closest('#parameters tr');
  if (!row || !(field.classList.contains('value') || field.classList.contains('comment'))) {
    return null;
  }
  return {
    parameter: row.dataset.parameter,
    field: field.classList.contains('value') ? 'value' : 'comment',
    text: field.value,
    typed: field.classList.contains('changed'),
    caret: field.selectionStart,
  };
}

function restoreCell(use) {
  if (!use) return;
  const row = $('parameters').querySelector(`tr[data-parameter="${CSS.escape(use.parameter)}"]`);
  const field = row && row.querySelector(`.${use.field}`);
  if (!field) return;
  if (use.typed && field.value !== use.text) {
    field.value = use.text;
    field.classList.add('changed');
  }
  field.focus();
  field.setSelectionRange(use.caret, use.caret);
}

function showDraft(draft) {
  const use = cellInUse();
  if (!current || current.summary.id !== draft.summary.id) {
    $('sheet-download').hidden = true;  // another draft's sheet
    delete $('sheet-download').dataset.revision;
  }
  // A check is of one revision: another one's is no longer true.
  if (!current || current.summary.id !== draft.summary.id ||
      current.summary.revision !== draft.summary.revision) {
    hideCheck();
  }
  current = draft;
  $('draft').hidden = false;
  $('draft-try').href = `#try?draft=${encodeURIComponent(draft.summary.id)}`;
  showRequestOf(draft).catch(() => {});  // an edit voids a pending request: show it
  $('draft-heading').textContent = draft.summary.title;
  $('draft-state').textContent = `revision ${draft.summary.revision}, by ${
      draft.summary.updated_by}, from version ${draft.summary.base_version}`;
  const loads = $('draft-loads');
  loads.className = `attempt ${draft.errors === 0 ? 'accepted' : 'rejected'}`;
  loads.textContent = draft.errors === 0 ?
      `Loads: it would be served as version ${draft.version}.` :
      `${draft.errors} ${
          draft.errors === 1 ? 'error' : 'errors'}: it could not be served as it is.`;
  showDiagnostics(draft.diagnostics);
  const body = $('parameters').tBodies[0];
  body.replaceChildren();
  for (const parameter of draft.parameters) parameterRow(body, parameter, draft.errors === 0);
  restoreCell(use);
  for (const row of $('drafts-list').tBodies[0].rows) {
    row.classList.toggle('open', row.dataset.draft === draft.summary.id);
  }
}

// Offers the parameters sheet as a CSV file to save.
async function exportSheet() {
  showError('draft-error', null);
  try {
    const sheet = await call('Drafts/ExportDraftParameters', {id: current.summary.id});
    const link = $('sheet-download');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([sheet.csv], {type: 'text/csv;charset=utf-8'}));
    link.download = sheet.file_name;
    link.textContent = `${sheet.file_name} (revision ${sheet.revision})`;
    link.dataset.revision = sheet.revision;
    link.hidden = false;
    link.click();
  } catch (error) {
    showError('draft-error', error);
  }
}

// Brings an edited sheet back: every difference in one change, or every
// problem listed and nothing changed. The revision is the exported one's,
// so that a sheet edited while someone else changed the draft is refused.
async function importSheet() {
  const input = $('sheet-file');
  const file = input.files[0];
  input.value = '';
  if (!file) return;
  showError('draft-error', null);
  const exported = $('sheet-download').dataset.revision;
  if (!exported) {
    // The sheet's revision is not in the file: only one exported here can
    // be checked against changes made since, instead of undoing them.
    showError(
        'draft-error',
        new Error(
            'Export the sheet from this page first, edit that file, then import it: ' +
            'the import is checked against the revision it was exported from.'));
    return;
  }
  try {
    const csv = await file.text();
    showDraft(await call('Drafts/ImportDraftParameters', {
      id: current.summary.id,
      revision: exported,
      csv,
    }));
    listDrafts().catch(() => {});
  } catch (error) {
    showError('draft-error', error);
  }
}

// The draft's latest change request in a line, with a link to it.
async function showRequestOf(draft) {
  const {requests} = await call('ChangeRequests/ListChangeRequests', {});
  if (!current || current.summary.id !== draft.summary.id) return;  // another one opened since
  const latest = requests.find((request) => request.draft_id === draft.summary.id);
  const line = $('draft-request');
  line.replaceChildren();
  if (!latest) return;
  const link = document.createElement('a');
  link.href = `#requests?id=${encodeURIComponent(latest.id)}`;
  link.textContent = `Change request #${latest.id}`;
  const state = document.createElement('span');
  state.className = `state state-${latest.state}`;
  state.textContent = latest.state;
  line.append(
      link, ': ', state,
      ` (by ${latest.state_by}${latest.state_comment ? `: ${latest.state_comment}` : ''})`);
}

async function submitDraft() {
  showError('draft-error', null);
  const button = $('draft-submit');
  button.disabled = true;
  try {
    await call('ChangeRequests/SubmitChangeRequest', {
      draft_id: current.summary.id,
      draft_revision: current.summary.revision,
      comment: $('submit-comment').value,
    });
    $('submit-comment').value = '';
  } catch (error) {
    showError('draft-error', error);
  } finally {
    button.disabled = false;
  }
  await showRequestOf(current).catch(() => {});
}

async function runCheck() {
  showError('draft-error', null);
  const button = $('draft-check');
  button.disabled = true;
  try {
    await checkDraft(
        current.summary.id,
        (checked) => current && current.summary.id === checked.id &&
            current.summary.revision === checked.revision);
  } catch (error) {
    showError('draft-error', error);
  } finally {
    button.disabled = false;
  }
}

async function openDraft(id) {
  showError('draft-error', null);
  showDraft(await call('Drafts/GetDraft', {id}));
}

async function createDraft(event) {
  event.preventDefault();
  showError('drafts-error', null);
  try {
    const draft = await call('Drafts/CreateDraft', {title: $('draft-title').value.trim()});
    $('draft-title').value = '';
    showDraft(draft);
    await listDrafts();
  } catch (error) {
    showError('drafts-error', error);
  }
}

let ready = false;

// Readies the screen once per page, and lists the drafts each time;
// `wanted` may name a draft to open (#drafts?draft=3).
export function openDrafts(wanted = new URLSearchParams()) {
  if (!ready) {
    ready = true;
    $('draft-new').addEventListener('submit', createDraft);
    $('sheet-export').addEventListener('click', exportSheet);
    $('sheet-file').addEventListener('change', importSheet);
    $('draft-check').addEventListener('click', runCheck);
    $('draft-submit').addEventListener('click', submitDraft);
  }
  listDrafts().then(() => showError('drafts-error', null), (e) => showError('drafts-error', e));
  const draft = wanted.get('draft');
  if (draft) openDraft(draft).catch((e) => showError('drafts-error', e));
}
