#!/usr/bin/env node
/*
 * Drives the official Sharetribe SDKs, unchanged, against a running flex-auth-django example site.
 *
 * Environment:
 *   FLEX_BASE_URL           e.g. http://127.0.0.1:8100 (the SDKs' baseUrl)
 *   FLEX_DEMO               the JSON printed by `manage.py flex_demo --json`
 *   FLEX_ACCESS_TOKEN_LIFETIME  the server's access-token lifetime in seconds (keep it short:
 *                           the script waits it out to see the SDKs refresh by themselves)
 *   FLEX_IDP                JSON: {idp_id, idp_client_id, demo_token, new_token, new_email, taken_token}:
 *                           ID tokens of a local OpenID Connect provider the site trusts
 *
 * Every request the SDKs make is recorded by a pass-through axios adapter, so each step can
 * check what went over the wire (e.g. 401, then grant_type=refresh_token, then 200).
 * Exits 0 when every step passed; otherwise prints the failing step, the reason and the
 * recorded requests, and exits 1.
 */
'use strict';

const axios = require('axios');
const sharetribeSdk = require('sharetribe-flex-sdk');
const integrationSdk = require('sharetribe-flex-integration-sdk');

const baseUrl = (process.env.FLEX_BASE_URL || '').replace(/\/$/, '');
const lifetime = Number(process.env.FLEX_ACCESS_TOKEN_LIFETIME || '0');
let demo;
try {
  demo = JSON.parse(process.env.FLEX_DEMO || '');
} catch (e) {
  demo = null;
}
if (!baseUrl || !demo || !(lifetime > 0)) {
  console.error('Set FLEX_BASE_URL, FLEX_DEMO (flex_demo --json) and FLEX_ACCESS_TOKEN_LIFETIME.');
  process.exit(2);
}
const { marketplace, integration, user } = demo;
let idp = null;
try {
  idp = JSON.parse(process.env.FLEX_IDP || 'null');
} catch (e) {
  idp = null;
}
if (!idp) {
  console.error('Set FLEX_IDP (the identity-provider login steps need it).');
  process.exit(2);
}

// -- the wire recorder ---------------------------------------------------------------
const wire = [];
const httpAdapter = axios.getAdapter('http');

function recordingAdapter(config) {
  const url = new URL(config.url, config.baseURL.endsWith('/') ? config.baseURL : `${config.baseURL}/`);
  const body = typeof config.data === 'string' ? new URLSearchParams(config.data) : null;
  const entry = {
    request: `${config.method.toUpperCase()} ${url.pathname}`,
    grant_type: (body && body.get('grant_type')) || undefined,
    status: null,
  };
  wire.push(entry);
  return httpAdapter(config).then(
    res => {
      entry.status = res.status;
      return res;
    },
    err => {
      entry.status = err.response ? err.response.status : `network error: ${err.code || err.message}`;
      throw err;
    }
  );
}

function mark() {
  return wire.length;
}

function since(position) {
  return wire.slice(position).map(e => `${e.request}${e.grant_type ? ` [${e.grant_type}]` : ''} ${e.status}`);
}

// -- assertions and steps ----------------------------------------------------------------
class StepFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new StepFailure(message);
}

function expectWire(position, expected) {
  const actual = since(position);
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `expected these requests:\n      ${expected.join('\n      ')}\n    but saw:\n      ${actual.join('\n      ') || '(none)'}`
  );
}

async function expectRejection(promise, status, what) {
  try {
    await promise;
  } catch (err) {
    check(err.status === status, `${what}: expected HTTP ${status}, got ${err.status || err.message}`);
    return err;
  }
  throw new StepFailure(`${what}: expected HTTP ${status}, but the call succeeded`);
}

let passed = 0;
async function step(name, fn) {
  const start = mark();
  try {
    await fn(start);
    passed += 1;
    console.log(`ok ${passed} - ${name}`);
  } catch (err) {
    console.error(`not ok - ${name}`);
    if (err instanceof StepFailure) {
      console.error(`  ${err.message}`);
    } else if (err.status) {
      // An SDK call rejected: the SDK puts the HTTP status and decoded body on the error.
      console.error(`  an SDK call failed with HTTP ${err.status}: ${JSON.stringify(err.data)}`);
    } else if (err.code) {
      console.error(`  ${err.code}: ${err.message}`);
    } else {
      console.error(`  ${err.stack || err}`);
    }
    console.error(`  requests during this step:\n    ${since(start).join('\n    ') || '(none)'}`);
    console.error(`FAILED: the official SDKs do not work against ${baseUrl} (step "${name}")`);
    process.exit(1);
  }
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Plain HTTP for what the SDKs have no function for: the demo's privileged endpoint, and
// proving that a refresh token is dead after logout.
const http = axios.create({ baseURL: baseUrl, adapter: recordingAdapter, validateStatus: () => true });

function form(params) {
  return new URLSearchParams(params).toString();
}

// -- the flows ----------------------------------------------------------------------------
async function main() {
  const versions = ['sharetribe-flex-sdk', 'sharetribe-flex-integration-sdk'].map(
    name => `${name} ${require(`${name}/package.json`).version}`
  );
  console.log(`# ${versions.join(', ')} against ${baseUrl}`);
  const { UUID } = sharetribeSdk.types;
  // The SDKs' default store in Node, passed explicitly so the steps can read the tokens.
  const stores = {
    anon: sharetribeSdk.tokenStore.memoryStore(),
    user: sharetribeSdk.tokenStore.memoryStore(),
    idp: sharetribeSdk.tokenStore.memoryStore(),
    signup: sharetribeSdk.tokenStore.memoryStore(),
  };
  // A browser-like client (no secret) and a server-side one (with the secret, for exchangeToken).
  const anon = sharetribeSdk.createInstance({
    clientId: marketplace.client_id,
    baseUrl,
    tokenStore: stores.anon,
    adapter: recordingAdapter,
  });
  const sdk = sharetribeSdk.createInstance({
    clientId: marketplace.client_id,
    clientSecret: marketplace.client_secret,
    baseUrl,
    tokenStore: stores.user,
    adapter: recordingAdapter,
  });
  // loginWithIdp() needs the client secret (server side, as the web template runs it).
  const withSecret = store =>
    sharetribeSdk.createInstance({
      clientId: marketplace.client_id,
      clientSecret: marketplace.client_secret,
      baseUrl,
      tokenStore: store,
      adapter: recordingAdapter,
    });
  const idpSdk = withSecret(stores.idp);
  const signupSdk = withSecret(stores.signup);
  const integ = integrationSdk.createInstance({
    clientId: integration.client_id,
    clientSecret: integration.client_secret,
    baseUrl,
    adapter: recordingAdapter,
  });

  await step('sdk.marketplace.show() fetches an anonymous token by itself', async start => {
    const res = await anon.marketplace.show();
    check(res.status === 200, `status ${res.status}`);
    check(res.data.data.type === 'marketplace', `decoded body: ${JSON.stringify(res.data)}`);
    check(res.data.data.id instanceof UUID, 'the Transit UUID was not decoded into sdk.types.UUID');
    expectWire(start, [
      'POST /v1/auth/token [client_credentials] 200',
      'GET /v1/api/marketplace/show 200',
    ]);
    const info = await anon.authInfo();
    check(info.isAnonymous === true, `authInfo: ${JSON.stringify(info)}`);
  });

  await step('sdk.login() with a wrong password is refused with 401 invalid_grant', async start => {
    const err = await expectRejection(
      sdk.login({ username: user.email, password: `${user.password}-wrong` }),
      401,
      'login'
    );
    check(err.data && err.data.error === 'invalid_grant', `body: ${JSON.stringify(err.data)}`);
    expectWire(start, ['POST /v1/auth/token [password] 401']);
    const info = await sdk.authInfo();
    check(info.scopes === undefined, `a failed login stored a token: ${JSON.stringify(info)}`);
  });

  await step('sdk.login() signs the user in', async start => {
    const res = await sdk.login({ username: user.email, password: user.password });
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, ['POST /v1/auth/token [password] 200']);
    const info = await sdk.authInfo();
    check(
      info.isAnonymous === false && JSON.stringify(info.scopes) === '["user"]',
      `authInfo: ${JSON.stringify(info)}`
    );
  });

  await step('sdk.currentUser.show() works after login', async () => {
    const res = await sdk.currentUser.show();
    check(res.status === 200, `status ${res.status}`);
    check(res.data.data.attributes.email === user.email, `decoded body: ${JSON.stringify(res.data)}`);
    check(res.data.data.id instanceof UUID, 'the user id was not decoded into sdk.types.UUID');
    check(res.data.data.attributes.createdAt instanceof Date, 'createdAt was not decoded into a Date');
  });

  await step('sdk.exchangeToken() gets a trusted:user token (clientSecret, server side)', async start => {
    const res = await sdk.exchangeToken();
    const trusted = res.data;
    check(trusted.scope === 'trusted:user' && trusted.token_type === 'bearer', `token: ${JSON.stringify(trusted)}`);
    check(!trusted.refresh_token, 'a trusted token must not come with a refresh token');
    expectWire(start, ['POST /v1/auth/token [token_exchange] 200']);
    const ok = await http.post('/v1/api/demo/privileged', null, {
      headers: { Authorization: `Bearer ${trusted.access_token}`, Accept: 'application/json' },
    });
    check(ok.status === 200, `privileged call with the trusted token: ${ok.status} ${JSON.stringify(ok.data)}`);
    const stored = await sdk.authInfo();
    check(JSON.stringify(stored.scopes) === '["user"]', 'exchangeToken must not replace the stored user token');
  });

  await step('a user token is refused a privileged operation with 403 insufficient_scope', async () => {
    const { access_token: accessToken } = await stores.user.getToken();
    const res = await http.post('/v1/api/demo/privileged', null, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    });
    check(res.status === 403 && res.data.error === 'insufficient_scope', `${res.status} ${JSON.stringify(res.data)}`);
    check(/error="insufficient_scope"/.test(res.headers['www-authenticate'] || ''), 'no insufficient_scope challenge');
  });

  await step('integrationSdk.marketplace.show() fetches an integration token by itself', async start => {
    const res = await integ.marketplace.show();
    check(res.status === 200, `status ${res.status}`);
    check(res.data.data.id instanceof integrationSdk.types.UUID, `decoded body: ${JSON.stringify(res.data)}`);
    expectWire(start, [
      'POST /v1/auth/token [client_credentials] 200',
      'GET /v1/integration_api/marketplace/show 200',
    ]);
  });

  await step('sdk.loginWithIdp() signs the demo user in with an ID token of the local provider', async start => {
    const res = await idpSdk.loginWithIdp({
      idpId: idp.idp_id,
      idpClientId: idp.idp_client_id,
      idpToken: idp.demo_token,
    });
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, ['POST /v1/auth/auth_with_idp 200']);
    const info = await idpSdk.authInfo();
    check(
      info.isAnonymous === false && JSON.stringify(info.scopes) === '["user"]',
      `authInfo: ${JSON.stringify(info)}`
    );
    const stored = await stores.idp.getToken();
    check(stored && stored.refresh_token, `no session stored: ${JSON.stringify(stored)}`);
    const me = await idpSdk.currentUser.show();
    check(me.data.data.attributes.email === user.email, `signed in as ${JSON.stringify(me.data)}`);
  });

  await step('sdk.loginWithIdp() with an account nobody has yet is refused with 401', async start => {
    await expectRejection(
      signupSdk.loginWithIdp({ idpId: idp.idp_id, idpClientId: idp.idp_client_id, idpToken: idp.new_token }),
      401,
      'loginWithIdp'
    );
    expectWire(start, ['POST /v1/auth/auth_with_idp 401']);
  });

  await step('sdk.currentUser.createWithIdp() signs up, then loginWithIdp() with the same token', async start => {
    const created = await signupSdk.currentUser.createWithIdp({
      idpId: idp.idp_id,
      idpClientId: idp.idp_client_id,
      idpToken: idp.new_token,
      firstName: 'Sdk',
      lastName: 'Signup',
    });
    check(created.status === 200, `status ${created.status}`);
    check(created.data.data.attributes.email === idp.new_email, `created: ${JSON.stringify(created.data)}`);
    check(created.data.data.id instanceof UUID, 'the new user id was not decoded into sdk.types.UUID');
    const res = await signupSdk.loginWithIdp({
      idpId: idp.idp_id,
      idpClientId: idp.idp_client_id,
      idpToken: idp.new_token,
    });
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, [
      'POST /v1/auth/token [client_credentials] 200',
      'POST /v1/api/current_user/create_with_idp 200',
      'POST /v1/auth/auth_with_idp 200',
    ]);
    const me = await signupSdk.currentUser.show();
    check(me.data.data.attributes.email === idp.new_email, `signed in as ${JSON.stringify(me.data)}`);
    check(me.data.data.attributes.profile.firstName === 'Sdk', `profile: ${JSON.stringify(me.data)}`);
  });

  await step('sdk.currentUser.createWithIdp() for an email in use is 409 email-taken', async () => {
    const err = await expectRejection(
      signupSdk.currentUser.createWithIdp({
        idpId: idp.idp_id,
        idpClientId: idp.idp_client_id,
        idpToken: idp.taken_token,
      }),
      409,
      'createWithIdp'
    );
    const codes = (err.apiErrors || (err.data && err.data.errors) || []).map(e => e.code);
    check(codes.includes('email-taken'), `errors: ${JSON.stringify(err.data)}`);
  });

  const before = {
    user: await stores.user.getToken(),
    anon: await stores.anon.getToken(),
    idp: await stores.idp.getToken(),
  };
  // Every token above was issued before this point; once the lifetime has passed on the
  // server's clock, each is expired (no timed assertion: only "after", never "within").
  await sleep(lifetime * 1000 + 1200);

  await step('after the user token expires, sdk.currentUser.show() refreshes by itself', async start => {
    const res = await sdk.currentUser.show();
    check(res.status === 200 && res.data.data.attributes.email === user.email, `status ${res.status}`);
    expectWire(start, [
      'GET /v1/api/current_user/show 401',
      'POST /v1/auth/token [refresh_token] 200',
      'GET /v1/api/current_user/show 200',
    ]);
    const after = await stores.user.getToken();
    check(after.refresh_token !== before.user.refresh_token, 'the refresh token was not rotated');
  });

  await step('after the anonymous token expires, sdk.marketplace.show() gets a new one', async start => {
    const res = await anon.marketplace.show();
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, [
      'GET /v1/api/marketplace/show 401',
      'POST /v1/auth/token [client_credentials] 200',
      'GET /v1/api/marketplace/show 200',
    ]);
    const after = await stores.anon.getToken();
    check(after.access_token !== before.anon.access_token, 'the anonymous token was not replaced');
  });

  await step('after the integration token expires, integrationSdk refreshes by itself', async start => {
    const res = await integ.marketplace.show();
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, [
      'GET /v1/integration_api/marketplace/show 401',
      'POST /v1/auth/token [refresh_token] 200',
      'GET /v1/integration_api/marketplace/show 200',
    ]);
  });

  await step('after expiry, the identity-provider session refreshes by itself', async start => {
    const res = await idpSdk.currentUser.show();
    check(res.status === 200 && res.data.data.attributes.email === user.email, `status ${res.status}`);
    expectWire(start, [
      'GET /v1/api/current_user/show 401',
      'POST /v1/auth/token [refresh_token] 200',
      'GET /v1/api/current_user/show 200',
    ]);
    const after = await stores.idp.getToken();
    check(after.refresh_token !== before.idp.refresh_token, 'the refresh token was not rotated');
  });

  await step('sdk.logout() ends the identity-provider session', async start => {
    const session = await stores.idp.getToken();
    const res = await idpSdk.logout();
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, ['POST /v1/auth/revoke 200']);
    const info = await idpSdk.authInfo();
    check(info.scopes === undefined, `logout left a token stored: ${JSON.stringify(info)}`);
    const refresh = await http.post(
      '/v1/auth/token',
      form({ client_id: marketplace.client_id, grant_type: 'refresh_token', refresh_token: session.refresh_token }),
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } }
    );
    check(refresh.status === 401, `refresh after logout: ${refresh.status} ${JSON.stringify(refresh.data)}`);
  });

  await step('sdk.logout() revokes the session; its refresh token is then refused', async start => {
    const session = await stores.user.getToken();
    const res = await sdk.logout();
    check(res.status === 200, `status ${res.status}`);
    expectWire(start, ['POST /v1/auth/revoke 200']);
    const info = await sdk.authInfo();
    check(info.scopes === undefined, `logout left a token stored: ${JSON.stringify(info)}`);
    const refresh = await http.post(
      '/v1/auth/token',
      form({ client_id: marketplace.client_id, grant_type: 'refresh_token', refresh_token: session.refresh_token }),
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } }
    );
    check(
      refresh.status === 401 && refresh.data.error === 'invalid_grant',
      `refresh after logout: ${refresh.status} ${JSON.stringify(refresh.data)}`
    );
    const call = await http.get('/v1/api/current_user/show', {
      headers: { Authorization: `Bearer ${session.access_token}`, Accept: 'application/json' },
    });
    check(call.status === 401, `the access token still works after logout: ${call.status}`);
  });

  console.log(`All ${passed} SDK steps passed against ${baseUrl}.`);
}

main().catch(err => {
  console.error(`FAILED: unexpected error: ${err.stack || err}`);
  process.exit(1);
});
