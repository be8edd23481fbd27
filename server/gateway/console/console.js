// The console's entry: log in (or find the login this browser has), then
// the status screen.
import {currentLogin, logIn, logOut} from './api.js';
import {openStatus} from './status.js';

const $ = (id) => document.getElementById(id);
let stopStatus = null;

function showLogin(message = '') {
  $('who').hidden = true;
  $('status').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

async function enter(login) {
  $('login').hidden = true;
  $('who').hidden = false;
  $('who-name').textContent = login.token_name;
  $('who-role').textContent = login.role;
  stopStatus = await openStatus();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = $('token');
  try {
    const login = await logIn(field.value.trim());
    field.value = '';
    await enter(login);
  } catch (error) {
    field.value = '';
    showLogin(error.message);
  }
});

$('logout').addEventListener('click', async () => {
  if (stopStatus) stopStatus();
  await logOut();
  showLogin();
});

const login = await currentLogin().catch(() => null);
if (login) {
  await enter(login).catch((error) => showLogin(error.message));
} else {
  showLogin();
}
