// The console's entry: log in (or find the login this browser has), then
// the screens, one at a time by the address's #fragment (#status, #try,
// #drafts, #requests);
// back to the login form when the login ends.
import {currentLogin, logIn, logOut} from './api.js';
import {openDrafts} from './drafts.js';
import {openRequests} from './requests.js';
import {openStatus} from './status.js';
import {openTry} from './try.js';

const $ = (id) => document.getElementById(id);

// Each screen: its section, and what readies it when first shown.
const screens = {
  status: () => {},
  try: openTry,
  drafts: openDrafts,
  requests: openRequests,
};

// The address's #screen, or #screen?name=value&... for what it should show.
function showScreen() {
  const [wanted, query = ''] = location.hash.slice(1).split('?', 2);
  const name = Object.hasOwn(screens, wanted) ? wanted : 'status';
  for (const other of Object.keys(screens)) $(other).hidden = other !== name;
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('current', link.dataset.screen === name);
  }
  screens[name](new URLSearchParams(query));
}
let stopStatus = null;
let session = 0;  // counts logins on this page: a late answer of an old one is dropped

function stopFollowing() {
  if (stopStatus) stopStatus();
  stopStatus = null;
}

function showLogin(message = '') {
  session += 1;
  stopFollowing();
  $('who').hidden = true;
  $('nav').hidden = true;
  for (const name of Object.keys(screens)) $(name).hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

// When the status stops updating: the login may have ended (then log in
// again), or the server went away for a while (then try again).
async function statusEnded(mine) {
  if (mine !== session) return;
  const login = await currentLogin().catch(() => undefined);
  if (mine !== session) return;
  if (login === null) {
    showLogin('Your login has ended: log in again.');
    return;
  }
  setTimeout(() => {
    if (mine === session) enter(login).catch((error) => showLogin(error.message));
  }, 3000);
}

// Shows who is logged in (when `login` is known) and the status.
async function enter(login) {
  const mine = session;
  stopFollowing();
  $('login').hidden = true;
  $('who').hidden = false;
  $('nav').hidden = false;
  showScreen();
  if (login) {
    $('who-name').textContent = login.token_name;
    $('who-role').textContent = login.role;
  }
  const stop = await openStatus(() => statusEnded(mine));
  if (mine === session) {
    stopStatus = stop;
  } else {
    stop();  // logged out while it was opening
  }
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = $('token');
  try {
    const login = await logIn(field.value.trim());
    field.value = '';
    session += 1;
    await enter(login);
  } catch (error) {
    field.value = '';
    showLogin(error.message);
  }
});

window.addEventListener('hashchange', () => {
  if (!$('nav').hidden) showScreen();
});

$('logout').addEventListener('click', async () => {
  try {
    await logOut();
    showLogin();
  } catch (error) {
    showLogin(`Logging out failed (${error.message}); reload the page.`);
  }
});

const login = await currentLogin().catch(() => null);
if (login) {
  session += 1;
  await enter(login).catch((error) => showLogin(error.message));
} else {
  showLogin();
}
