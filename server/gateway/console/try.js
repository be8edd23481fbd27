// "Try a customer": a stored customer, or one given as JSON, evaluated
// with an explanation (Decisions/Evaluate), shown as the decision and
// then every rule considered: ✓ matched, ✗ did not, – not evaluated, each
// with its checks in plain words. Every text from the server goes in as
// text, never HTML.
import {call} from './api.js';

const $ = (id) => document.getElementById(id);

function subjectKind() {
  return document.querySelector('#try-form input[name=subject]:checked').value;
}

// The request for the form as filled in; throws an Error that says what
// to fix.
function requestOfForm() {
  const request = {explain: true};
  if (subjectKind() === 'stored') {
    const id = $('try-customer-id').value.trim();
    if (!id) throw new Error('Give the id of a stored customer, or choose "A customer as JSON".');
    request.customer_id = id;
  } else {
    const text = $('try-json').value.trim();
    if (!text) throw new Error('Paste a customer as JSON, e.g. {"age": 25, "consumption": "low"}.');
    let customer;
    try {
      customer = JSON.parse(text);
    } catch (error) {
      throw new Error(`The customer is not JSON: ${error.message}`);
    }
    if (customer === null || typeof customer !== 'object' || Array.isArray(customer)) {
      throw new Error('The customer must be a JSON object: {"age": 25, ...}.');
    }
    // An id is required of every customer; a trial needs no name of its own.
    if (!Object.hasOwn(customer, 'id')) customer.id = 'trial';
    request.customer = customer;
  }
  const day = $('try-day').value;
  if (day) request.today = day;
  const draft = $('try-rules-of').value;
  if (draft) request.draft_id = draft;
  return request;
}

function fact(list, term, text) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = text;
  list.append(dt, dd);
}

function showDecision(decision) {
  const draft = $('try-rules-of').selectedOptions[0];
  $('try-version').textContent = draft.value ?
      `by ${draft.textContent}, which would be version ${decision.ruleset_version}` :
      `by version ${decision.ruleset_version}`;
  const list = $('try-decision');
  list.replaceChildren();
  for (const segment of decision.segments) {
    fact(
        list, segment.dimension,
        segment.segment + (segment.is_default ? ' (no rule matched: the default)' : ''));
  }
  fact(list, 'tier', decision.tier || 'none');
  if (decision.tier_downgrade_on) fact(list, 'tier drops on', decision.tier_downgrade_on);
  const offers = decision.offers.map(
      (offer) => offer.offer + (offer.value ? ` (worth ${offer.value} ${offer.unit})` : ''));
  fact(list, 'offers', offers.length ? offers.join(', ') : 'none');
  for (const loss of decision.offers_lost) {
    fact(list, 'left out', `${loss.offer}: lost to ${loss.lost_to} (${loss.why})`);
  }
}

// ✓, ✗ or – and its class, for a rule or one of its checks.
function markOf(evaluated, good) {
  if (!evaluated) return ['–', 'skipped'];
  return good ? ['✓', 'good'] : ['✗', 'bad'];
}

function showRules(explanation) {
  const box = $('try-rules');
  box.replaceChildren();
  let section = null;
  for (const rule of explanation) {
    if (rule.section !== section) {
      section = rule.section;
      const heading = document.createElement('h4');
      heading.textContent = section;
      box.append(heading);
    }
    const item = $('try-rule').content.firstElementChild.cloneNode(true);
    const [mark, kind] = markOf(rule.evaluated, rule.matched);
    item.classList.add(kind);
    item.querySelector('.mark').textContent = mark;
    item.querySelector('.rule-id').textContent = rule.rule_id;
    item.querySelector('.condition').textContent = rule.condition;
    const checks = item.querySelector('.checks');
    if (rule.note) {
      const li = document.createElement('li');
      li.textContent = rule.note;
      checks.append(li);
    }
    for (const check of rule.checks) {
      const li = document.createElement('li');
      const [checkMark, checkKind] = markOf(true, check.as_needed);
      li.className = checkKind;
      li.textContent = `${checkMark} ${check.reason || check.expression}`;
      checks.append(li);
    }
    box.append(item);
  }
}

async function tryCustomer(event) {
  event.preventDefault();
  $('try-error').textContent = '';
  // An answer shown beside a later question's error would pass for its answer.
  $('try-result').hidden = true;
  let request;
  try {
    request = requestOfForm();
  } catch (error) {
    $('try-error').textContent = error.message;
    return;
  }
  try {
    const {decision} = await call('Decisions/Evaluate', request);
    showDecision(decision);
    showRules(decision.explanation);
    $('try-result').hidden = false;
  } catch (error) {
    $('try-error').textContent = error.message;
  }
}

// Offers the first stored customers' ids to pick from.
async function offerCustomerIds() {
  const {customers} = await call('Customers/ListCustomers', {page_size: 100});
  const list = $('try-customers');
  list.replaceChildren();
  for (const customer of customers) {
    const option = document.createElement('option');
    option.value = customer.id;
    option.textContent = customer.name;
    list.append(option);
  }
}

// Offers the drafts to try against, keeping the one chosen (or `wanted`).
async function offerDrafts(wanted) {
  const select = $('try-rules-of');
  const chosen = wanted ?? select.value;
  const {drafts} = await call('Drafts/ListDrafts', {}).catch(() => ({drafts: []}));
  const served = select.options[0];
  const options = drafts.map((draft) => {
    const option = document.createElement('option');
    option.value = draft.id;
    option.textContent = `draft ${draft.id} “${draft.title}” (revision ${draft.revision})`;
    return option;
  });
  // A draft asked for by a link but not among those listed (the newest
  // hundred) is still offered: the server says if it is gone.
  if (chosen && !options.some((option) => option.value === chosen)) {
    const option = document.createElement('option');
    option.value = chosen;
    option.textContent = `draft ${chosen}`;
    options.push(option);
  }
  select.replaceChildren(served, ...options);
  select.value = chosen || '';
}

let ready = false;

// Shows the screen. `wanted` may name a stored customer, a draft and a
// day (#try?customer=c-1&draft=3&day=2026-11-27, as the check's example
// customers link): they are filled in and tried at once.
export async function openTry(wanted = new URLSearchParams()) {
  if (!ready) {
    ready = true;
    $('try-form').addEventListener('submit', tryCustomer);
    // Typing in a box chooses its kind of customer.
    $('try-customer-id').addEventListener('input', () => {
      document.querySelector('#try-form input[value=stored]').checked = true;
    });
    $('try-json').addEventListener('input', () => {
      document.querySelector('#try-form input[value=pasted]').checked = true;
    });
    offerCustomerIds().catch(() => {});  // only a convenience: ids can be typed
  }
  const drafts = offerDrafts(wanted.get('draft') ?? undefined).catch(() => {});
  const customer = wanted.get('customer');
  if (!customer) return;
  document.querySelector('#try-form input[value=stored]').checked = true;
  $('try-customer-id').value = customer;
  $('try-day').value = wanted.get('day') ?? '';
  await drafts;
  $('try-form').requestSubmit();
}
