"""The load's own judgement (bench/load_mix.py), on made-up answers: it must catch what the fault run looks for."""

from __future__ import annotations

from bench.load_mix import GRACE, Answer, Credentials, MixedLoad, Recorder, RefreshLedger, recovery

CREDENTIALS = Credentials("mp", "mp-secret", "integ", "integ-secret", "demo@example.com", "pw", "7")


def load() -> MixedLoad:
    return MixedLoad("http://127.0.0.1:9", CREDENTIALS)


def answer(status, body=None, headers=None, kind="anonymous", at=1.0) -> Answer:
    return Answer(kind, status, headers or {}, body, at - 0.01, at)


ANONYMOUS = {"access_token": "a.b.c", "token_type": "bearer", "expires_in": 600, "scope": "public-read"}
UNAVAILABLE = {"error": "temporarily_unavailable", "error_description": "..."}


class TestAnswers:
    def test_a_correct_200_and_a_503_with_retry_after_pass(self):
        mix = load()
        assert mix._check(answer(200, ANONYMOUS), lambda body: None) is True
        assert mix._check(answer(503, UNAVAILABLE, {"retry-after": "5"}), lambda body: None) is False
        assert mix.recorder.violations == {}

    def test_a_503_without_retry_after_a_500_a_timeout_and_another_status_are_violations(self):
        mix = load()
        mix._check(answer(503, UNAVAILABLE), lambda body: None)
        mix._check(answer(500, {"error": "server_error"}), lambda body: None)
        mix._check(answer("timeout"), lambda body: None)
        mix._check(answer("connection"), lambda body: None)
        mix._check(answer(429, {"error": "too_many_requests"}), lambda body: None)
        mix._check(answer(200, {}), lambda body: "no token")
        assert dict(mix.recorder.violations) == {
            "bad_503": 1,
            "server_error_500": 1,
            "hang": 1,
            "connection": 1,
            "unexpected_status": 1,
            "malformed_200": 1,
        }


class TestRefreshLedger:
    def test_the_same_successor_twice_is_a_replay_a_different_one_a_double_rotation(self):
        ledger = RefreshLedger()
        ledger.presenting("flxr_old", 1.0)
        assert ledger.answered("flxr_old", "flxr_new") is None
        assert ledger.answered("flxr_old", "flxr_new") is None
        assert ledger.replays_matched == 1
        assert ledger.answered("flxr_old", "flxr_other") is not None

    def test_a_401_on_a_held_token_is_lost_unless_an_unclear_attempt_lies_beyond_the_grace_period(self):
        ledger = RefreshLedger()
        ledger.presenting("flxr_a", 1.0)
        assert ledger.refused("flxr_a", 1.5) is False  # never unclear: lost
        ledger.unclear("flxr_a")
        assert ledger.refused("flxr_a", 3.0) is False  # a retry within grace must get the successor
        assert ledger.refused("flxr_a", 1.0 + GRACE + 0.5) is True  # the server rightly saw reuse

    def test_the_load_reports_a_lost_token_and_a_double_rotation(self):
        mix = load()
        body = {"refresh_token": "flxr_b", "access_token": "flxa_b", "scope": "user"}
        ok = {**body, "token_type": "Bearer", "expires_in": 600}
        mix.ledger.presenting("flxr_a", 1.0)
        assert mix._judge_refresh("flxr_a", answer(200, ok, kind="refresh")) is True
        mix._judge_refresh("flxr_a", answer(200, {**ok, "refresh_token": "flxr_c"}, kind="refresh"))
        mix.ledger.presenting("flxr_b", 2.0)
        mix._judge_refresh("flxr_b", answer(401, {"error": "invalid_grant"}, kind="refresh", at=2.5))
        assert mix.recorder.violations["rotated_twice"] == 1
        assert mix.recorder.violations["lost_refresh"] == 1


class TestRecovery:
    def test_the_end_of_the_first_whole_second_back_at_80_percent(self):
        recorder = Recorder()
        recorder.ok_per_second.update({10: 100, 11: 0, 12: 50, 13: 85, 14: 100})
        assert recovery(recorder, 11.5, 100, horizon=20) == 2.5  # second 13 reaches 80, ends at 14
        assert recovery(recorder, 11.5, 200, horizon=20) is None
