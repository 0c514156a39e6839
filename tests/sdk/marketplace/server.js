#!/usr/bin/env node
/*
 * A small marketplace server for the Login-as end-to-end test: the two server routes of
 * Sharetribe's web template (server/api/initiate-login-as.js and server/api/login-as.js),
 * with the official sharetribe-flex-sdk calling sdk.loginAs({code, redirect_uri, code_verifier}).
 *
 * Environment:
 *   PORT                 port to listen on (127.0.0.1)
 *   CLIENT_ID            the Marketplace application's client ID
 *   BASE_URL             the flex-auth-django site (the SDK's baseUrl)
 *   CONSOLE_URL          SERVER_SHARETRIBE_CONSOLE_URL: <site>/flex-console
 *   ROOT_URL             REACT_APP_MARKETPLACE_ROOT_URL: this server's own origin
 *
 * Routes:
 *   GET /api/initiate-login-as?user_id=…  state + PKCE verifier in 30-second cookies, 302 to authorize-as
 *   GET /api/login-as?code&state[&error]  state checked first (constant time), then error, then sdk.loginAs
 *   GET /                                 the signed-in page: authInfo() and currentUser.show() through the SDK
 *   GET /api/test-state                   the same as JSON, with the stored token, for the test to check
 * Prints "listening" once it accepts connections.
 */
'use strict';

const crypto = require('crypto');
const http = require('http');
const sharetribeSdk = require('sharetribe-flex-sdk');

const { PORT, CLIENT_ID, BASE_URL, CONSOLE_URL } = process.env;
const ROOT_URL = (process.env.ROOT_URL || '').replace(/\/$/, '');
if (!PORT || !CLIENT_ID || !BASE_URL || !CONSOLE_URL || !ROOT_URL) {
  console.error('Set PORT, CLIENT_ID, BASE_URL, CONSOLE_URL and ROOT_URL.');
  process.exit(2);
}

const COOKIE_MAX_AGE = 30; // seconds, as the web template
const stateKey = `st-${CLIENT_ID}-oauth2State`;
const verifierKey = `st-${CLIENT_ID}-pkceCodeVerifier`;

const base64url = buffer =>
  buffer
    .toString('base64')
    .replace(/=/g, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');

function parseCookies(header) {
  const cookies = {};
  (header || '').split(';').forEach(part => {
    const index = part.indexOf('=');
    if (index > 0) {
      cookies[part.slice(0, index).trim()] = decodeURIComponent(part.slice(index + 1).trim());
    }
  });
  return cookies;
}

// Just enough of Express's req/res for the SDK's expressCookieStore (what the web template uses).
function expressLike(req, res) {
  req.cookies = parseCookies(req.headers.cookie);
  const setCookies = [];
  res.cookie = (name, value, options = {}) => {
    const maxAge = options.maxAge !== undefined ? `; Max-Age=${Math.floor(options.maxAge / 1000)}` : '';
    setCookies.push(`${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax${maxAge}`);
    res.setHeader('Set-Cookie', setCookies);
  };
  res.clearCookie = name => {
    setCookies.push(`${name}=; Path=/; Max-Age=0`);
    res.setHeader('Set-Cookie', setCookies);
  };
}

function sdkFor(req, res) {
  return sharetribeSdk.createInstance({
    clientId: CLIENT_ID,
    baseUrl: BASE_URL,
    tokenStore: sharetribeSdk.tokenStore.expressCookieStore({ clientId: CLIENT_ID, req, res, secure: false }),
  });
}

function send(res, status, type, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

function redirect(res, location) {
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.end();
}

// server/api/initiate-login-as.js
function initiateLoginAs(req, res, query) {
  const userId = query.get('user_id');
  if (!userId) {
    return send(res, 400, 'text/plain', 'Missing user_id');
  }
  const state = base64url(crypto.randomBytes(32));
  const codeVerifier = base64url(crypto.randomBytes(32));
  const codeChallenge = base64url(crypto.createHash('sha256').update(codeVerifier).digest());
  res.cookie(stateKey, state, { maxAge: COOKIE_MAX_AGE * 1000 });
  res.cookie(verifierKey, codeVerifier, { maxAge: COOKIE_MAX_AGE * 1000 });
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: `${ROOT_URL}/api/login-as`,
    user_id: userId,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  });
  return redirect(res, `${CONSOLE_URL}/api/authorize-as?${params.toString()}`);
}

function sameString(a, b) {
  const left = Buffer.from(String(a || ''));
  const right = Buffer.from(String(b || ''));
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

// server/api/login-as.js
function loginAs(req, res, query) {
  const code = query.get('code');
  const state = query.get('state');
  const error = query.get('error');
  const storedState = req.cookies[stateKey];
  const codeVerifier = req.cookies[verifierKey];
  // The state is checked before the error, as the web template does.
  if (!storedState || !sameString(state, storedState)) {
    return send(res, 401, 'text/plain', 'Invalid state parameter.');
  }
  if (error) {
    console.error(`login-as refused: ${error}`);
    return send(res, 401, 'text/plain', 'Failed to authorize as a user.');
  }
  res.clearCookie(stateKey);
  res.clearCookie(verifierKey);
  return sdkFor(req, res)
    .loginAs({ code, redirect_uri: `${ROOT_URL}/api/login-as`, code_verifier: codeVerifier })
    .then(() => redirect(res, '/'))
    .catch(e => {
      console.error(`loginAs failed: ${e.status || ''} ${e.message}`);
      send(res, 401, 'text/plain', 'Unable to authenticate as a user');
    });
}

function currentState(req, res) {
  const sdk = sdkFor(req, res);
  const storedToken = req.cookies[`st-${CLIENT_ID}-token`];
  return sdk.authInfo().then(authInfo =>
    sdk.currentUser.show().then(
      response => ({
        authInfo,
        token: storedToken ? JSON.parse(storedToken) : null,
        currentUser: { status: response.status, email: response.data.data.attributes.email },
      }),
      e => ({ authInfo, token: storedToken ? JSON.parse(storedToken) : null, currentUser: { status: e.status } })
    )
  );
}

const escape = text =>
  String(text).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

const server = http.createServer((req, res) => {
  expressLike(req, res);
  const url = new URL(req.url, ROOT_URL);
  if (req.method !== 'GET') {
    return send(res, 405, 'text/plain', 'GET only');
  }
  if (url.pathname === '/api/initiate-login-as') {
    return initiateLoginAs(req, res, url.searchParams);
  }
  if (url.pathname === '/api/login-as') {
    return loginAs(req, res, url.searchParams);
  }
  if (url.pathname === '/api/test-state') {
    return currentState(req, res).then(state => send(res, 200, 'application/json', JSON.stringify(state)));
  }
  if (url.pathname === '/') {
    return currentState(req, res).then(state => {
      const banner = state.authInfo.scopes && state.authInfo.scopes.includes('user:limited')
        ? 'You are logged in as a user with limited rights.'
        : 'You are logged in as a user with full rights.';
      send(
        res,
        200,
        'text/html; charset=utf-8',
        `<!DOCTYPE html><html><head><title>Example marketplace</title></head><body>` +
          `<h1>Example marketplace</h1>` +
          (state.authInfo.isLoggedInAs ? `<p id="limited-access-banner">${escape(banner)}</p>` : '') +
          `<p id="current-user">${escape(state.currentUser.email || `(status ${state.currentUser.status})`)}</p>` +
          `</body></html>`
      );
    });
  }
  return send(res, 404, 'text/plain', 'Not found');
});

server.listen(Number(PORT), '127.0.0.1', () => console.log('listening'));
