"""The delivery's posting lanes (``delivery._post_all``), against real HTTP servers on the
loopback: every job posted once, the results in the jobs' order, more lanes for a slow
endpoint but never more than ``CONCURRENCY``, and a post's exception raised to the caller."""

from __future__ import annotations

import pytest

from miniprograms.subscriptions import delivery
from workspaces.tests.webhook_receiver import start_receiver


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    settings.SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS = 5


@pytest.fixture
def receivers():
    started = []

    def start(script):
        receiver = start_receiver(keep_alive=True)
        receiver.script = script
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.server.shutdown()
        receiver.server.server_close()


def _job(receiver, n: int) -> delivery.Job:
    return (receiver.url(f"/m/{n}"), b'{"n":%d}' % n, {"X-Job": str(n)})


def test_every_job_is_posted_once_and_the_results_keep_the_jobs_order(receivers):
    yes, no = receivers([200]), receivers([503])
    jobs = [_job(yes if n % 3 else no, n) for n in range(30)]
    results = delivery._post_all(jobs)
    assert [r.status_code for r in results] == [200 if n % 3 else 503 for n in range(30)]
    got = sorted(int(r.headers["X-Job"]) for r in yes.requests + no.requests)
    assert got == list(range(30))
    assert {r.path for r in no.requests} == {f"/m/{n}" for n in range(0, 30, 3)}


def test_a_slow_endpoint_gets_more_lanes_up_to_the_concurrency(receivers, monkeypatch):
    delivery._executor()  # the process's pool, made with its 16 threads if not yet
    monkeypatch.setattr(delivery, "CONCURRENCY", 3)
    slow = receivers([("slow", 0.5, 200)])
    results = delivery._post_all([_job(slow, n) for n in range(9)])
    assert [r.status_code for r in results] == [200] * 9
    # one lane to begin with, another every RAMP_SECONDS while unfinished, never more than 3
    assert slow.most_at_once == 3


def test_a_refused_url_is_a_result_and_an_exception_is_raised_after_the_other_posts(
    receivers, monkeypatch
):
    ok = receivers([200])
    jobs = [_job(ok, n) for n in range(6)]
    jobs[2] = ("http://10.0.0.1/private", b"{}", {})  # not an allowed host: refused, not posted
    assert isinstance(delivery._post_all(jobs)[2], delivery.WebhookURLRefused)
    assert len(ok.requests) == 5

    post = delivery._post

    def broken(job):
        if job[2].get("X-Job") == "4":
            raise RuntimeError("a bug in the transport")
        return post(job)

    monkeypatch.setattr(delivery, "_post", broken)
    with pytest.raises(RuntimeError, match="a bug in the transport"):
        delivery._post_all([_job(ok, n) for n in range(6)])
    assert len(ok.requests) == 5 + 5  # every other job of the batch was still posted
