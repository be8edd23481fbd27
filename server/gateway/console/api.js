// Calls of the console to its server: the login (a cookie the page cannot
// read) and the API's methods through the JSON gateway, each POST with the
// login's CSRF token. Nothing here ever holds the token itself.

let csrf = '';
let tokenName = '';  // of the login, to show what that person may do
let tokenRole = '';

// An error of the API, with its Connect code ("not_found") and message.
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function answerOf(response) {
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(
        'internal', `the server answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok) throw new ApiError(body.code || 'unknown', body.message || '', response.status);
  return body;
}

// The login of this browser: {token_name, role}, or null when there is none.
export async function currentLogin() {
  const response = await fetch('/console/session', {credentials: 'same-origin'});
  if (response.status === 401) return null;
  const login = await answerOf(response);
  csrf = login.csrf;
  tokenName = login.token_name;
  tokenRole = login.role;
  return login;
}

export async function logIn(token) {
  const response = await fetch('/console/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({token}),
  });
  const login = await answerOf(response);
  csrf = login.csrf;
  tokenName = login.token_name;
  tokenRole = login.role;
  return login;
}

// Ends the login; throws when the server did not (the page then says so
// instead of pretending).
export async function logOut() {
  const response = await fetch('/console/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-Clientele-CSRF': csrf},
    body: '{}',
  });
  await answerOf(response);
  csrf = '';
  tokenName = '';
  tokenRole = '';
}

// Who is logged in: {name, role} of the token ("" when none).
export function loggedInAs() {
  return {name: tokenName, role: tokenRole};
}

// Calls Service.Method (e.g. "Rulesets/GetRulesetStatus") with `request`.
export async function call(method, request = {}) {
  const response = await fetch(`/clientele.v1.${method}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-Clientele-CSRF': csrf},
    body: JSON.stringify(request),
  });
  return answerOf(response);
}

// Follows a server stream as Server-Sent Events (a GET, whose CSRF token
// goes in the query: EventSource sends no headers): onMessage(message) for
// each, onState(true|false) as the connection comes and goes. The browser
// reconnects by itself after a network error, but gives up on an answer
// that is not a stream (the login ended, the server is full or stopping);
// that, or the stream's own last word (an "error" event), calls onEnded().
// Returns a function that stops following.
export function follow(method, onMessage, onState, onEnded) {
  const source = new EventSource(`/clientele.v1.${method}?csrf=${encodeURIComponent(csrf)}`);
  source.onopen = () => onState(true);
  source.onmessage = (event) => onMessage(JSON.parse(event.data));
  source.addEventListener('error', (event) => {
    onState(false);
    if (event.data || source.readyState === EventSource.CLOSED) {
      source.close();
      onEnded();
    }
  });
  return () => source.close();
}
