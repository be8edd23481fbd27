// The status screen: the version served, the last reload attempt with its
// diagnostics (as the CLI renders them: file:line:column, the line, a
// caret, a hint), the replicas and the versions kept; live, by the
// ruleset watch. Every text from the server goes in as text, never HTML.
import {call, follow} from './api.js';

const $ = (id) => document.getElementById(id);

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.append(td);
  return td;
}

function showDiagnostics(diagnostics) {
  const box = $('diagnostics');
  box.replaceChildren();
  for (const diagnostic of diagnostics) {
    const item = $('diagnostic').content.firstElementChild.cloneNode(true);
    item.classList.add(diagnostic.severity);
    item.querySelector('pre').textContent = diagnostic.rendered ||
        `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`;
    box.append(item);
  }
}

function showReplicas(status) {
  const part = $('replicas-part');
  part.hidden = status.replicas.length === 0;
  $('behind').textContent = status.behind_peers ? status.behind_peers_reason : '';
  const body = $('replicas').tBodies[0];
  body.replaceChildren();
  for (const replica of status.replicas) {
    const row = body.insertRow();
    cell(row, replica.replica + (replica.replica === status.replica ? ' (this one)' : ''));
    cell(row, replica.serving_version || 'none');
    cell(row, `${replica.last_outcome}: ${replica.last_message}`);
    cell(row, replica.reported_at);
  }
}

export function showStatus(status) {
  $('version').textContent = status.serving ? status.version : 'none: no valid ruleset is loaded';
  $('loaded-at').textContent = status.loaded_at;
  $('directory').textContent = status.directory;
  $('reloads').textContent = `${status.reloads_accepted} accepted, ${
      status.reloads_rejected} rejected, ${status.reloads_unchanged} unchanged`;
  const attempt = status.last_attempt;
  const line = $('attempt');
  line.className = `attempt ${attempt.outcome}`;
  line.textContent =
      `#${attempt.number} (${attempt.trigger}, ${attempt.started_at}): ${attempt.message}`;
  showDiagnostics(attempt.diagnostics);
  showReplicas(status);
}

async function showVersions(serving) {
  const {versions} = await call('Rulesets/ListRulesetVersions', {limit: 20});
  const body = $('versions').tBodies[0];
  body.replaceChildren();
  for (const version of versions) {
    const row = body.insertRow();
    if (version.version === serving) row.classList.add('serving');
    cell(row, version.version);
    cell(row, version.first_served_at);
    cell(row, version.last_served_at);
    cell(row, version.times_served);
    cell(row, version.version === serving ? 'serving' : '');
  }
}

function showProblem(error) {
  $('status-error').textContent = error ? `Could not load: ${error.message}` : '';
}

// Shows the screen and keeps it current. `onEnded` is called when the
// updates stop for good (the login ended, or the server went away).
// Returns a function that stops them.
export async function openStatus(onEnded) {
  const status = await call('Rulesets/GetRulesetStatus');
  showStatus(status);
  await showVersions(status.version);
  showProblem(null);
  return follow('Rulesets/WatchRuleset', (next) => {
    showStatus(next);
    showVersions(next.version).then(() => showProblem(null), showProblem);
  }, (up) => $('live').classList.toggle('off', !up), onEnded);
}
