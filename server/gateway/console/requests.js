// Change requests, the console's four eyes: the requests listed (newest
// first, by state), one open with its audit (who did what, when, on which
// version, and the draft's check then), and the steps the login may take:
// approve or reject (another person than the submitter), withdraw (the
// submitter). The server decides who may; the page only asks. Every text
// from the server goes in as text, never HTML.
import {call, loggedInAs} from './api.js';

const $ = (id) => document.getElementById(id);

let shown = null;  // the request open, as the server last gave it

function showError(error) {
  $('requests-error').textContent = error ? error.message : '';
}

function cell(row, text) {
  row.insertCell().textContent = text;
}

async function listRequests() {
  const {requests} =
      await call('ChangeRequests/ListChangeRequests', {state: $('requests-state').value});
  const body = $('requests-list').tBodies[0];
  body.replaceChildren();
  for (const request of requests) {
    const row = body.insertRow();
    row.dataset.request = request.id;
    const open = document.createElement('button');
    open.type = 'button';
    open.textContent = `#${request.id} ${request.title}`;
    open.addEventListener('click', () => openRequest(request.id).catch(showError));
    row.insertCell().append(open);
    cell(row, request.state);
    row.cells[1].className = `state state-${request.state}`;
    cell(row, `${request.author}, ${request.submitted_at}`);
    cell(row, `draft ${request.draft_id}, revision ${request.draft_revision}`);
    cell(row, request.version);
  }
}

function showRequest(request) {
  shown = request;
  $('request').hidden = false;
  $('request-heading').textContent = `Change request #${request.id}: ${request.title}`;
  const state = $('request-state');
  state.className = `state state-${request.state}`;
  state.textContent = `${request.state}, by ${request.state_by} at ${request.state_at}` +
      (request.state_comment ? `: ${request.state_comment}` : '');
  $('request-facts').textContent =
      `Draft ${request.draft_id} at revision ${request.draft_revision}, files version ${
          request.version}, submitted by ${request.author} at ${
          request.submitted_at} while version ${request.serving_version} was served.`;
  $('request-draft').href = `#drafts?draft=${encodeURIComponent(request.draft_id)}`;
  const body = $('request-events').tBodies[0];
  body.replaceChildren();
  for (const event of request.events) {
    const row = body.insertRow();
    cell(row, event.at);
    cell(row, event.actor);
    cell(row, event.action);
    cell(row, event.comment);
    cell(row, event.version);
    const checks = row.insertCell();
    checks.className = 'checks';
    checks.textContent = event.checks;
  }
  // Only the steps this person may take: reviews of others' requests,
  // withdrawing their own (the server holds to the same, and the role).
  const me = loggedInAs();
  const mine = request.author === me.name;
  const reviewer = me.role === 'approver' || me.role === 'admin';
  const pending = request.state === 'open' || request.state === 'approved';
  $('request-review').hidden = request.state !== 'open' || mine || !reviewer;
  $('request-withdraw').hidden = !pending || !mine;
  $('request-comment').hidden = $('request-review').hidden && $('request-withdraw').hidden;
}

async function openRequest(id) {
  showError(null);
  showRequest(await call('ChangeRequests/GetChangeRequest', {id}));
}

// Takes a step on the request shown; shows it after, and the list.
async function step(method, comment) {
  showError(null);
  try {
    showRequest(await call(`ChangeRequests/${method}`, {id: shown.id, comment}));
    $('request-comment').value = '';
  } catch (error) {
    showError(error);
    // It may have moved meanwhile (voided by an edit, reviewed by another):
    // show it as it is now, the refusal staying.
    await call('ChangeRequests/GetChangeRequest', {id: shown.id}).then(showRequest, () => {});
  }
  listRequests().catch(() => {});
}

let ready = false;

// Shows the screen; `wanted` may name a request to open (#requests?id=3).
export function openRequests(wanted = new URLSearchParams()) {
  if (!ready) {
    ready = true;
    $('requests-state').addEventListener('change', () => listRequests().catch(showError));
    $('request-approve')
        .addEventListener('click', () => step('ApproveChangeRequest', $('request-comment').value));
    $('request-reject')
        .addEventListener('click', () => step('RejectChangeRequest', $('request-comment').value));
    $('request-withdraw')
        .addEventListener('click', () => step('WithdrawChangeRequest', $('request-comment').value));
  }
  listRequests().then(() => showError(null), showError);
  const id = wanted.get('id');
  if (id) openRequest(id).catch(showError);
}
