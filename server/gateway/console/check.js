// The check of a draft (Drafts/CheckDraft): every step that gates
// publishing with ✓ or ✗, the tests of each day they ran on, the
// simulation over the stored customers as a from → to matrix per
// dimension and the offers gained and lost (lost in red), the rules
// changed in plain words, and the cost in money before and after (the
// change red when it costs more, green when less). Example
// customers open their explanation under the draft ("Try a customer").
// Every text from the server goes in as text, never HTML.
import {call} from './api.js';

const $ = (id) => document.getElementById(id);

function element(tag, text = '', className = '') {
  const made = document.createElement(tag);
  if (text !== '') made.textContent = text;
  if (className) made.className = className;
  return made;
}

function heading(text) {
  return element('h4', text);
}

// A link that tries customer `id` against the draft, on the check's day.
function exampleLink(id, check) {
  const link = element('a', id, 'example');
  const query =
      new URLSearchParams({customer: id, draft: check.summary.id, day: check.simulation.today});
  link.href = `#try?${query}`;
  link.title = 'its decision under the draft, rule by rule';
  return link;
}

function examples(ids, check) {
  const span = element('span', '', 'examples');
  for (const id of ids) span.append(exampleLink(id, check), ' ');
  return span;
}

function showSteps(check) {
  const verdict = $('check-verdict');
  const failed = check.steps.filter((step) => !step.passed).length;
  verdict.className = `attempt ${check.passed ? 'accepted' : 'rejected'}`;
  verdict.textContent = check.passed ?
      `Every check passed against version ${check.serving_version}: it may go for approval.` :
      `${failed} of ${check.steps.length} checks failed: it may not be published as it is.`;
  const list = $('check-steps');
  list.replaceChildren();
  for (const step of check.steps) {
    const item = element('li', '', step.passed ? 'good' : 'bad');
    item.append(
        element('span', step.passed ? '✓' : '✗', 'mark'), element('b', step.name),
        ` ${step.summary}`);
    list.append(item);
  }
}

function showDiagnostics(box, diagnostics) {
  for (const diagnostic of diagnostics) {
    const item = $('diagnostic').content.firstElementChild.cloneNode(true);
    item.classList.add(diagnostic.severity || 'error');
    item.querySelector('pre').textContent = diagnostic.rendered || diagnostic.message;
    box.append(item);
  }
}

function showTests(check) {
  const box = $('check-tests');
  box.replaceChildren();
  if (!check.tests.length) return;
  box.append(heading('Tests, by the day the cases without their own day ran on'));
  const table = element('table', '', 'check-tests');
  table.createTHead().insertRow().append(
      element('th', 'Day'), element('th', 'Why'), element('th', 'Passed'), element('th', 'Failed'));
  const body = table.createTBody();
  for (const run of check.tests) {
    const row = body.insertRow();
    row.className = Number(run.failed) ? 'bad' : 'good';
    for (const text of [run.day, run.why, run.passed, run.failed])
      row.insertCell().textContent = text;
  }
  box.append(table);
  for (const run of check.tests) {
    if (!run.failures.length) continue;
    box.append(element('p', `On ${run.day} (${run.why}):`, 'hint'));
    showDiagnostics(box, run.failures);
  }
}

// One dimension's movements as a matrix: the served rules' segments down,
// the draft's across; customers who stay on the diagonal, shaded; those
// who move, with example ids.
function matrix(dimension, check) {
  const froms = [...new Set(dimension.movements.map((m) => m.from))].sort();
  const tos = [...new Set(dimension.movements.map((m) => m.to))].sort();
  const table = element('table', '', 'matrix');
  table.dataset.dimension = dimension.dimension;
  const head = table.createTHead().insertRow();
  head.append(element('th', 'served → draft'));
  for (const to of tos) head.append(element('th', to || '(none)'));
  const body = table.createTBody();
  for (const from of froms) {
    const row = body.insertRow();
    row.append(element('th', from || '(none)'));
    for (const to of tos) {
      const cell = row.insertCell();
      const movement = dimension.movements.find((m) => m.from === from && m.to === to);
      if (!movement) continue;
      cell.className = from === to ? 'stay' : 'move';
      cell.append(element('span', movement.customers, 'count'));
      if (movement.examples.length) cell.append(examples(movement.examples, check));
    }
  }
  return table;
}

function showSimulation(check) {
  const box = $('check-simulation');
  box.replaceChildren();
  const simulation = check.simulation;
  if (!simulation) return;
  box.append(
      heading(`Simulation: ${simulation.customers} stored customers on ${simulation.today}`));
  const dimensions = [...simulation.dimensions, simulation.tiers].filter((d) => d.movements.length);
  for (const dimension of dimensions) {
    const moved = Number(dimension.customers_moved);
    box.append(element(
        'p', `${dimension.dimension}: ${moved ? `${moved} move` : 'nobody moves'}`,
        'matrix-title'));
    box.append(matrix(dimension, check));
  }
  if (simulation.offers.length) {
    const table = element('table', '', 'offers-moved');
    table.createTHead().insertRow().append(
        element('th', 'Offer'), element('th', 'Kept'), element('th', 'Gained'),
        element('th', 'Lost'), element('th', 'Stacked out'));
    const body = table.createTBody();
    for (const offer of simulation.offers) {
      const row = body.insertRow();
      row.dataset.offer = offer.offer;
      row.insertCell().textContent = offer.offer;
      row.insertCell().textContent = offer.kept;
      const gained = row.insertCell();
      gained.append(
          element('span', Number(offer.gained) ? `+${offer.gained}` : '0'), ' ',
          examples(offer.gained_examples, check));
      if (Number(offer.gained)) gained.className = 'gained';
      const lost = row.insertCell();
      lost.append(
          element('span', Number(offer.lost) ? `−${offer.lost}` : '0'), ' ',
          examples(offer.lost_examples, check));
      if (Number(offer.lost)) lost.className = 'lost';
      const stacked = row.insertCell();
      stacked.append(
          element('span', offer.stacked_out), ' ', examples(offer.stacked_out_examples, check));
    }
    box.append(heading('Offers'), table);
  }
  const points = simulation.points;
  box.append(element(
      'p',
      `Points on the ${points.purchases} purchases of ${points.purchases_from} to ${
          points.purchases_to}: ${points.serving_points} served, ${
          points.candidate_points} with the draft.`));
  showDiagnostics(box, simulation.warnings);
}

function showChanges(check) {
  const box = $('check-changes');
  box.replaceChildren(heading('What changed, rule by rule'));
  if (!check.changes.length) {
    box.append(element('p', 'No rule changed.', 'hint'));
    return;
  }
  const list = element('ul', '', 'changes');
  const signs = {added: '+', removed: '−', changed: '~'};
  for (const change of check.changes) {
    const item = element('li', '', change.kind);
    item.append(
        element('span', signs[change.kind] || '~', 'mark'), element('b', change.rule),
        element('span', ` (${change.file})`, 'hint'));
    const details = element('ul');
    for (const detail of change.details) details.append(element('li', detail));
    item.append(details);
    list.append(item);
  }
  box.append(list);
}

// "+12.50" / "−3" / "0": a change in money, signed.
function signed(amount) {
  const number = Number(amount);
  if (number > 0) return `+${amount}`;
  if (number < 0) return `−${amount.replace(/^-/, '')}`;
  return amount;
}

function showCost(check) {
  const box = $('check-cost');
  box.replaceChildren();
  const cost = check.cost;
  if (!cost) return;
  box.append(heading(`Cost in money, over ${cost.period_from} to ${cost.period_to}`));
  const table = element('table', '', 'cost');
  table.createTHead().insertRow().append(
      element('th', ''), element('th', 'Served'), element('th', 'Draft'), element('th', 'Change'));
  const body = table.createTBody();
  const line = (label, before, after, change = '') => {
    const row = body.insertRow();
    row.append(element('th', label));
    for (const text of [before, after, change]) row.insertCell().textContent = text;
    return row;
  };
  const {before, after} = cost;
  line('Points issued', before.points, after.points, signed(String(after.points - before.points)));
  line('Point value', before.point_value || 'not set', after.point_value || 'not set');
  line('Points in money', before.points_money || '–', after.points_money || '–');
  line('Offers in money', before.discounts_money, after.discounts_money);
  const total = line('Total', before.total, after.total, signed(cost.difference));
  total.className = 'total';
  total.cells[2].className = Number(cost.difference) > 0 ? 'lost' :
      Number(cost.difference) < 0                        ? 'gained' :
                                                           '';
  box.append(table);
  if (cost.offers.length) {
    const offers = element('table', '', 'cost-offers');
    offers.createTHead().insertRow().append(
        element('th', 'Offer'), element('th', 'Customers'), element('th', 'Worth'),
        element('th', 'Redeemed'), element('th', 'Money'));
    const rows = offers.createTBody();
    for (const offer of cost.offers) {
      const row = rows.insertRow();
      row.dataset.offer = offer.offer;
      row.insertCell().textContent = offer.offer;
      row.insertCell().textContent = `${offer.customers_before} → ${offer.customers_after}`;
      row.insertCell().textContent = `${offer.worth_before} → ${offer.worth_after}`;
      const rate = row.insertCell();
      rate.textContent = `${(Number(offer.redemption_rate) * 100).toFixed(1)} %`;
      rate.title = offer.basis;
      row.insertCell().textContent = `${offer.money_before} → ${offer.money_after}`;
    }
    box.append(offers);
  }
  const notes = element('ul', '', 'hint');
  for (const note of cost.notes) notes.append(element('li', note));
  box.append(notes);
}

function showCheck(check) {
  $('check').hidden = false;
  $('check-when').textContent = `of revision ${check.summary.revision}`;
  showSteps(check);
  const diagnostics = $('check-diagnostics');
  diagnostics.replaceChildren();
  showDiagnostics(diagnostics, check.diagnostics.filter((d) => d.severity === 'error'));
  showTests(check);
  showSimulation(check);
  showCost(check);
  showChanges(check);
}

// Runs every check of draft `id` and shows them, unless `stillShown(summary)`
// says that the draft shown is no longer the one checked (another draft,
// or a later revision: a check is of one revision). An error (another
// simulation running, the draft gone) is thrown for the caller to show.
export async function checkDraft(id, stillShown) {
  $('check-verdict').className = 'attempt';
  $('check-verdict').textContent = 'Checking…';
  $('check').hidden = false;
  let check;
  try {
    check = await call('Drafts/CheckDraft', {id, examples: 5});
  } catch (error) {
    $('check').hidden = true;
    throw error;
  }
  if (stillShown(check.summary)) {
    showCheck(check);
  } else {
    $('check').hidden = true;
  }
}

export function hideCheck() {
  $('check').hidden = true;
}
