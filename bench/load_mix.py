#!/usr/bin/env python
"""A bounded mixed load against the example site that checks every answer it gets.

    .venv/bin/python bench/load_mix.py --base http://127.0.0.1:8000 --credentials demo.json [--seconds 20]

(`demo.json` is what `manage.py flex_demo --json` prints.) bench/faults.py and bench/soak.py
drive it against servers they start themselves; this command line is for a site already running.

Client threads each hold one user session at a time and pick, by weight, one of:
anonymous client_credentials, the password grant (a new session), refresh with rotation,
token exchange, introspection of the session's access token, the demo DRF API with the
session's (opaque) user token (`/v1/api/current_user/show`) and with a signed anonymous
token (`/v1/api/marketplace/show`). The threads share one request rate (--rate), so the load
is bounded whatever the server does, and every request has a client timeout.

Every answer is checked: a 200 must be well formed for its request (and name the right
user, scope, client), a 503 must carry Retry-After and `temporarily_unavailable`; anything
else (a 500, another status, a timeout, a refused or reset connection) is a violation.

Refresh tokens get a ledger. Each 200 to a refresh records the successor of the presented
token; a second, different successor for one token is a double rotation. A client that
gets no clear answer (503, timeout) retries the same token at once, within the spec's grace
period (10 s), which must give the successor the server may have committed without the
client seeing it. So a 401 on a token the client holds is a lost token, unless an earlier
unclear attempt with that token lies more than the grace period back (then the server
rightly saw the retry as reuse: counted as `ended_beyond_grace`, not a violation). Some
refreshes are sent twice at once (two tabs) or replayed at once (a lost response): both
answers must name the same successor.

Clients retry after 0.25 s rather than the full Retry-After, so recovery times measure
the server, not the client's patience.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

GRACE = 10.0  # FLEX_AUTH["REFRESH_GRACE_PERIOD"] of the example site
GRACE_MARGIN = 1.0  # client and server clocks start the grace period at slightly different moments
BACKOFF = 0.25
KINDS = ("anonymous", "password", "refresh", "exchange", "introspect", "drf_user", "drf_signed")
# Per 100 requests. A password grant costs a full PBKDF2 hash (hundreds of ms of a worker):
# kept rare, as logins are next to refreshes and API calls.
WEIGHTS = {
    "anonymous": 18,
    "password": 1,
    "refresh": 16,
    "exchange": 10,
    "introspect": 15,
    "drf_user": 22,
    "drf_signed": 18,
}
DUPLICATE_REFRESH = 0.08  # sent twice at once (two tabs)
REPLAY_REFRESH = 0.05  # sent again at once after its answer (a client that lost the answer)
MAX_SAMPLES = 40
# Answers that say nothing about whether the server acted: the client retries the same request.
UNCLEAR = (503, "timeout", "connection")


def digest(token: str) -> str:
    """The ledger keeps token digests, never tokens."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass
class Answer:
    kind: str
    status: int | str  # an HTTP status, or "timeout" / "connection"
    headers: dict[str, str]
    body: dict | None
    started: float
    ended: float

    @property
    def latency_ms(self) -> float:
        return (self.ended - self.started) * 1000


class Http:
    """One request per connection (gunicorn's sync workers close them anyway), with a timeout."""

    def __init__(self, base: str, timeout: float) -> None:
        parsed = urlparse(base)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the load is for a server on this machine only (127.0.0.1)")
        self.host, self.port, self.timeout = parsed.hostname, parsed.port or 80, timeout

    def call(self, kind: str, clock, path: str, form: dict | None = None, bearer: str | None = None) -> Answer:
        headers = {"Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        started = clock()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("POST" if form is not None else "GET", path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            status, got = response.status, {k.lower(): v for k, v in response.getheaders()}
        except TimeoutError:
            return Answer(kind, "timeout", {}, None, started, clock())
        except (OSError, http.client.HTTPException):
            return Answer(kind, "connection", {}, None, started, clock())
        finally:
            connection.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Answer(kind, status, got, parsed if isinstance(parsed, dict) else None, started, clock())


class Recorder:
    """Every answer by kind and status, per-second successes, latencies, and the violations seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_kind: dict[str, Counter] = defaultdict(Counter)
        self.ok_per_second: Counter = Counter()
        self.all_per_second: Counter = Counter()
        # (ended, kind, ms, status, correct) of every answer, in the order they ended.
        self.answers: list[tuple[float, str, float, int | str, bool]] = []
        self.violations: Counter = Counter()
        self.samples: list[str] = []
        self.notes: Counter = Counter()  # events that are not violations (ended_beyond_grace, ...)

    def record(self, answer: Answer, ok: bool) -> None:
        with self.lock:
            self.by_kind[answer.kind][answer.status] += 1
            second = int(answer.ended)
            self.all_per_second[second] += 1
            if ok:
                self.ok_per_second[second] += 1
            self.answers.append((answer.ended, answer.kind, answer.latency_ms, answer.status, ok))

    def violation(self, name: str, detail: str, at: float) -> None:
        with self.lock:
            self.violations[name] += 1
            if len(self.samples) < MAX_SAMPLES:
                self.samples.append(f"t={at:.1f}s {name}: {detail}")

    def note(self, name: str) -> None:
        with self.lock:
            self.notes[name] += 1

    def total(self) -> int:
        return sum(sum(c.values()) for c in self.by_kind.values())

    def between(self, start: float, end: float) -> Counter:
        """Answers that ended in [start, end): by status, plus `correct` (well-formed 200s)."""
        out: Counter = Counter()
        for ended, _, _, status, ok in self.answers:
            if start <= ended < end:
                out[status] += 1
                out["correct"] += ok
        return out

    def statuses(self) -> Counter:
        out: Counter = Counter()
        for counts in self.by_kind.values():
            out.update(counts)
        return out


@dataclass
class Presented:
    first: float
    unclear: bool = False  # an attempt ended without a clear answer (503, timeout, connection)
    successor: str | None = None


class RefreshLedger:
    """What the server answered to each refresh token presented: one successor per token, ever."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, Presented] = {}
        self.rotations = 0
        self.replays_matched = 0

    def presenting(self, token: str, at: float) -> None:
        with self.lock:
            self.tokens.setdefault(digest(token), Presented(at))

    def unclear(self, token: str) -> None:
        with self.lock:
            self.tokens[digest(token)].unclear = True

    def answered(self, token: str, successor: str) -> str | None:
        """Record a 200; the problem when it names a different successor than an earlier 200 did."""
        key, new = digest(token), digest(successor)
        with self.lock:
            entry = self.tokens[key]
            if entry.successor is None:
                entry.successor = new
                self.rotations += 1
                return None
            if entry.successor != new:
                return "a second, different successor for one refresh token"
            self.replays_matched += 1
            return None

    def refused(self, token: str, at: float) -> bool:
        """A 401 on a token the client holds: True when it is explained (an unclear attempt
        that began longer than the grace period ago), False when the token was lost."""
        with self.lock:
            entry = self.tokens[digest(token)]
            return entry.unclear and at - entry.first > GRACE - GRACE_MARGIN


@dataclass
class Session:
    access: str
    refresh: str


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    integration_id: str
    integration_secret: str
    email: str
    password: str
    user_id: str

    @classmethod
    def from_demo(cls, demo: dict) -> Credentials:
        """From `manage.py flex_demo --json`."""
        mp, integ, user = demo["marketplace"], demo["integration"], demo["user"]
        return cls(
            mp["client_id"],
            mp["client_secret"],
            integ["client_id"],
            integ["client_secret"],
            user["email"],
            user["password"],
            str(user["id"]),
        )


def _bad_503(answer: Answer) -> str | None:
    retry = answer.headers.get("retry-after", "")
    if not retry.isdigit() or int(retry) < 1:
        return f"503 without a valid Retry-After ({retry!r})"
    if not answer.body or answer.body.get("error") != "temporarily_unavailable":
        return f"503 body is not temporarily_unavailable: {answer.body!r}"[:200]
    return None


def _describe(answer: Answer) -> str:
    error = (answer.body or {}).get("error") if answer.body else None
    return f"{answer.kind} answered {answer.status}" + (f" {error}" if error else "")


@dataclass
class MixedLoad:
    """The threads of the mixed load; start(), then stop() (bounded), then the recorder's figures."""

    base: str
    credentials: Credentials
    threads: int = 6
    rate: float = 80.0  # requests per second, all threads together (duplicates and retries come on top)
    timeout: float = 10.0
    weights: dict[str, int] = field(default_factory=lambda: dict(WEIGHTS))
    seed: int = 0
    recorder: Recorder = field(default_factory=Recorder)
    ledger: RefreshLedger = field(default_factory=RefreshLedger)

    def __post_init__(self) -> None:
        self.http = Http(self.base, self.timeout)
        self.stopping = threading.Event()
        self.t0 = time.monotonic()
        self.workers: list[threading.Thread] = []
        self.sessions: dict[int, Session | None] = {}
        self.kinds = [k for k in KINDS if self.weights.get(k)]
        self.kind_weights = [self.weights[k] for k in self.kinds]
        self.stopped_at = 0.0

    def clock(self) -> float:
        return time.monotonic() - self.t0

    # -- the request kinds -----------------------------------------------------------------

    def _token(self, kind: str, form: dict) -> Answer:
        return self.http.call(kind, self.clock, "/oauth/token", form=form)

    def _check(self, answer: Answer, valid_200, expected: tuple[int, ...] = ()) -> bool:
        """Record an answer; True when it is a correct 200. Violations for anything not allowed."""
        ok = False
        if answer.status == 200:
            problem = valid_200(answer.body or {})
            if problem:
                self.recorder.violation("malformed_200", f"{answer.kind}: {problem}", answer.ended)
            else:
                ok = True
        elif answer.status == 503:
            problem = _bad_503(answer)
            if problem:
                self.recorder.violation("bad_503", f"{answer.kind}: {problem}", answer.ended)
        elif answer.status == 500:
            self.recorder.violation("server_error_500", _describe(answer), answer.ended)
        elif answer.status == "timeout":
            self.recorder.violation("hang", f"{answer.kind}: no answer within {self.timeout:g} s", answer.ended)
        elif answer.status == "connection":
            self.recorder.violation("connection", f"{answer.kind}: connection refused or reset", answer.ended)
        elif answer.status not in expected:
            self.recorder.violation("unexpected_status", _describe(answer), answer.ended)
        self.recorder.record(answer, ok)
        return ok

    def anonymous(self, state: dict) -> None:
        c = self.credentials
        answer = self._token("anonymous", {"grant_type": "client_credentials", "client_id": c.client_id})

        def valid(body: dict) -> str | None:
            token = body.get("access_token")
            if not isinstance(token, str) or token.count(".") != 2:
                return "no signed access token"
            if body.get("scope") != "public-read" or "refresh_token" in body:
                return f"scope {body.get('scope')!r}, refresh token {'refresh_token' in body}"
            return _bearer_shape(body)

        if self._check(answer, valid):
            state["anonymous"] = answer.body["access_token"]

    def login(self) -> Session | None:
        c = self.credentials
        form = {"grant_type": "password", "client_id": c.client_id, "username": c.email, "password": c.password}
        answer = self._token("password", form)

        def valid(body: dict) -> str | None:
            if not str(body.get("access_token", "")).startswith("flxa_"):
                return "no opaque user access token"
            if not str(body.get("refresh_token", "")).startswith("flxr_"):
                return "no refresh token"
            if body.get("scope") != "user":
                return f"scope {body.get('scope')!r}"
            return _bearer_shape(body)

        if self._check(answer, valid):
            return Session(answer.body["access_token"], answer.body["refresh_token"])
        return None

    def _refresh_once(self, token: str, kind: str = "refresh") -> Answer:
        c = self.credentials
        self.ledger.presenting(token, self.clock())
        answer = self._token(kind, {"grant_type": "refresh_token", "client_id": c.client_id, "refresh_token": token})
        if answer.status in UNCLEAR or answer.status == 500:
            self.ledger.unclear(token)
        return answer

    def _judge_refresh(self, token: str, answer: Answer) -> bool:
        """Check one refresh answer against the ledger; True for a correct 200."""

        def valid(body: dict) -> str | None:
            successor = body.get("refresh_token")
            if not str(successor or "").startswith("flxr_") or successor == token:
                return "no new refresh token"
            if not str(body.get("access_token", "")).startswith("flxa_") or body.get("scope") != "user":
                return "no user access token"
            problem = self.ledger.answered(token, successor)
            if problem:
                self.recorder.violation("rotated_twice", problem, answer.ended)
            return _bearer_shape(body)

        refused = answer.status == 401 and (answer.body or {}).get("error") == "invalid_grant"
        ok = self._check(answer, valid, expected=(401,) if refused else ())
        if refused:
            if self.ledger.refused(token, answer.ended):
                self.recorder.note("ended_beyond_grace")
            else:
                self.recorder.violation("lost_refresh", "401 invalid_grant on the token the client holds", answer.ended)
        return ok

    def refresh(self, session: Session, rng: random.Random) -> Session | None:
        """Rotate the session's refresh token; retry an unclear answer with the same token at once."""
        token = session.refresh
        while True:
            if rng.random() < DUPLICATE_REFRESH:
                answers = self._twice(token)
            else:
                answers = [self._refresh_once(token)]
            good = [a for a in answers if self._judge_refresh(token, a)]
            if good:
                if rng.random() < REPLAY_REFRESH:  # the client lost the answer: the same one again
                    self._judge_refresh(token, self._refresh_once(token))
                return Session(good[0].body["access_token"], good[0].body["refresh_token"])
            if any(a.status not in UNCLEAR for a in answers):
                return None  # the session is over (a violation or an explained end was recorded)
            if self.stopping.is_set() and self.clock() - self.stopped_at > GRACE / 2:
                return session  # shutting down: leave it to finish(), still within the grace period
            time.sleep(BACKOFF)

    def _twice(self, token: str) -> list[Answer]:
        out: list[Answer] = []
        other = threading.Thread(target=lambda: out.append(self._refresh_once(token)))
        other.start()
        out.append(self._refresh_once(token))
        other.join(self.timeout + 5)
        return out

    def exchange(self, session: Session) -> None:
        c = self.credentials
        form = {
            "grant_type": "token_exchange",
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "subject_token": session.access,
        }

        def valid(body: dict) -> str | None:
            if not body.get("access_token") or body.get("scope") != "trusted:user" or "refresh_token" in body:
                return f"not a trusted-user token: scope {body.get('scope')!r}"
            return _bearer_shape(body)

        self._check(self._token("exchange", form), valid)

    def introspect(self, session: Session) -> None:
        c = self.credentials
        form = {"client_id": c.client_id, "client_secret": c.client_secret, "token": session.access}
        answer = self.http.call("introspect", self.clock, "/oauth/introspect", form=form)

        def valid(body: dict) -> str | None:
            if body.get("active") is not True:
                return f"a live token introspected as {body!r}"[:120]
            if body.get("sub") != c.user_id or body.get("client_id") != c.client_id or body.get("scope") != "user":
                return f"wrong claims: sub {body.get('sub')!r}, scope {body.get('scope')!r}"
            return None

        self._check(answer, valid)

    def drf_user(self, session: Session) -> None:
        answer = self.http.call("drf_user", self.clock, "/v1/api/current_user/show", bearer=session.access)

        def valid(body: dict) -> str | None:
            email = ((body.get("data") or {}).get("attributes") or {}).get("email")
            return None if email == self.credentials.email else f"current user {email!r}"

        self._check(answer, valid)

    def drf_signed(self, state: dict) -> None:
        if "anonymous" not in state:
            self.anonymous(state)
            if "anonymous" not in state:
                return
        answer = self.http.call("drf_signed", self.clock, "/v1/api/marketplace/show", bearer=state["anonymous"])

        def valid(body: dict) -> str | None:
            kind = (body.get("data") or {}).get("type")
            return None if kind == "marketplace" else f"data.type {kind!r}"

        self._check(answer, valid)

    # -- the threads -------------------------------------------------------------------------

    def _choose(self, rng: random.Random) -> str:
        return rng.choices(self.kinds, weights=self.kind_weights)[0]

    def _run(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        state: dict = {}
        interval = self.threads / self.rate
        due = self.clock() + rng.random() * interval
        session = self.sessions.get(index)
        while not self.stopping.is_set():
            now = self.clock()
            if due > now:
                time.sleep(due - now)
            due = max(due + interval, self.clock() - 1.0)  # never a burst to catch up after a stall
            if session is None:
                session = self.login()
                self.sessions[index] = session
                if session is None:
                    time.sleep(BACKOFF)
                continue
            kind = self._choose(rng)
            if kind == "password":
                session = self.login() or session
            elif kind == "refresh":
                session = self.refresh(session, rng)
            elif kind == "anonymous":
                self.anonymous(state)
            elif kind == "exchange":
                self.exchange(session)
            elif kind == "introspect":
                self.introspect(session)
            elif kind == "drf_user":
                self.drf_user(session)
            else:
                self.drf_signed(state)
            self.sessions[index] = session

    def start(self) -> MixedLoad:
        """Sign the sessions in one after the other, then start the threads.

        Together, the first logins would queue a password hash per thread on the workers
        at once (seconds on a busy machine, at the client timeout): not what the load
        is for. Later logins are spread over the run by the weights.
        """
        for index in range(self.threads):
            for _ in range(20):
                self.sessions[index] = self.login()
                if self.sessions[index] is not None:
                    break
                time.sleep(BACKOFF)
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), name=f"load-{index}", daemon=True)
            thread.start()
            self.workers.append(thread)
        return self

    def stop(self) -> None:
        """Stop the threads (each finishes its request; a refresh being retried gives up after the grace period)."""
        self.stopped_at = self.clock()
        self.stopping.set()
        deadline = time.monotonic() + self.timeout + GRACE + 5
        for thread in self.workers:
            thread.join(max(0.1, deadline - time.monotonic()))
        alive = [t.name for t in self.workers if t.is_alive()]
        if alive:
            self.recorder.violation("hang", f"load threads still running after stop: {alive}", self.clock())

    def finish(self) -> int:
        """Every session the threads hold must still rotate: one last refresh each. Returns how many did."""
        held = [s for s in self.sessions.values() if s is not None]
        ok = 0
        for session in held:
            for _ in range(int(GRACE / BACKOFF) - 4):
                answer = self._refresh_once(session.refresh)
                if self._judge_refresh(session.refresh, answer):
                    ok += 1
                    break
                if answer.status not in UNCLEAR:
                    break
                time.sleep(BACKOFF)
        return ok


def _bearer_shape(body: dict) -> str | None:
    if str(body.get("token_type", "")).lower() != "bearer":
        return f"token_type {body.get('token_type')!r}"
    if not isinstance(body.get("expires_in"), int) or body["expires_in"] <= 0:
        return f"expires_in {body.get('expires_in')!r}"
    return None


# -- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]  # nearest rank


def rate_before(recorder: Recorder, at: float, seconds: int) -> float:
    """Mean correct answers per second over the `seconds` whole seconds before `at`."""
    end = int(at)
    counts = [recorder.ok_per_second.get(s, 0) for s in range(max(0, end - seconds), end)]
    return statistics.mean(counts) if counts else 0.0


def recovery(recorder: Recorder, ended: float, baseline: float, horizon: float, share: float = 0.8) -> float | None:
    """Seconds from `ended` (the service is back) to the end of the first whole second whose
    correct answers reach `share` of `baseline`; None when that does not happen before `horizon`."""
    second = int(ended) + (0 if ended == int(ended) else 1)
    while second + 1 <= horizon:
        if recorder.ok_per_second.get(second, 0) >= share * baseline:
            return second + 1 - ended
        second += 1
    return None


def summary(recorder: Recorder) -> dict:
    latencies = [a[2] for a in recorder.answers]
    return {
        "requests": recorder.total(),
        "statuses": dict(recorder.statuses()),
        "violations": dict(recorder.violations),
        "notes": dict(recorder.notes),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the site, on 127.0.0.1")
    parser.add_argument("--credentials", required=True, help="a file with `manage.py flex_demo --json`'s output")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--rate", type=float, default=80)
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 3600:
        parser.error("--seconds must be between 1 and 3600")
    with open(args.credentials) as f:
        credentials = Credentials.from_demo(json.load(f))
    load = MixedLoad(args.base, credentials, threads=args.threads, rate=args.rate).start()
    try:
        time.sleep(args.seconds)
    finally:
        load.stop()
    load.finish()
    figures = summary(load.recorder)
    print(json.dumps(figures, indent=2, default=str))
    for sample in load.recorder.samples:
        print(sample)
    return 1 if figures["violations"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
