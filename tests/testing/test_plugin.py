"""The pytest plugin, as a project meets it: installed by entry point, its fixtures in a plain
test file run by pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def run_inner(pytester: pytest.Pytester, *options: str) -> pytest.RunResult:
    """The project's tests, in process; hypothesis's plugin, slow to start, is not needed."""
    return pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *options
    )


# The README's handler test: an app in the project, a sync test, the `faas_client` fixture.
README_TEST = """
from faaslib import App
from faaslib.testing import events

app = App("shop")

@app.function
def resize(event, context):
    return {"key": event["Records"][0]["s3"]["object"]["key"]}

def test_resize(faas_client):
    client = faas_client(app)
    assert client.call("resize", events.s3("uploads", "cat.jpg")) == {"key": "cat.jpg"}
"""


def test_a_handler_test_needs_only_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shop=README_TEST)
    result = run_inner(pytester)
    result.assert_outcomes(passed=1)


def test_fixtures_give_a_fake_clock_and_an_app_on_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_clock="""
        import os
        from faaslib import App
        from faaslib.testing import FakeClock, TestClient

        started = []

        def test_faas_app_runs_on_faas_clock(faas_app, faas_clock, faas_client):
            assert isinstance(faas_clock, FakeClock) and faas_app.clock is faas_clock
            assert faas_app.name == "test" and faas_app.functions == ()

            @faas_app.function(timeout=10, environment={"PLUGIN_APP": "running"})
            async def wait(event, context):
                await faas_clock.sleep(4)
                return context.get_remaining_time_in_millis()

            client = faas_client()  # faas_app by default
            assert client.app is faas_app
            client.invoke("wait", invocation_type="Event")
            client.advance(4)
            client.wait_idle()
            assert faas_clock.monotonic() == 4
            assert os.environ["PLUGIN_APP"] == "running"
            started.append(client)

        def test_clients_stop_when_their_test_ends():
            assert "PLUGIN_APP" not in os.environ  # the app stopped, restoring os.environ
            assert "stopped" in repr(started[0])

        def test_work_in_hand_does_not_hold_the_end_of_a_test(faas_app, faas_clock, faas_client):
            @faas_app.function(timeout=900)
            async def slow(event, context):
                await faas_clock.sleep(600)  # ended by nothing but the test moving time

            client = faas_client()
            client.invoke("slow", invocation_type="Event")
            client.advance(1)
            started.append(faas_app)

        def test_it_is_left_queued_not_lost():
            assert len(started[1].pending_events()) == 1
        """
    )
    result = run_inner(pytester, "--timeout=10")
    result.assert_outcomes(passed=4)


def test_the_backend_is_asyncio_unless_the_project_says(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_default="""
        import sniffio

        def test_backend(faas_app, faas_client):
            @faas_app.function
            async def where(event, context):
                return sniffio.current_async_library()

            assert faas_client().call("where") == "asyncio"
        """
    )
    result = run_inner(pytester)
    result.assert_outcomes(passed=1)


def test_a_project_can_follow_anyio_backend(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request):
            return request.param

        @pytest.fixture
        def faas_backend(anyio_backend):
            return anyio_backend

        @pytest.fixture
        def app():  # a project's own fixtures of these names are left alone
            return "the project's app"

        @pytest.fixture
        def clock():
            return "the project's clock"
        """
    )
    pytester.makepyfile(
        test_backend="""
        import sniffio

        def test_backend(faas_app, faas_client, anyio_backend, app, clock):
            @faas_app.function
            async def where(event, context):
                return sniffio.current_async_library()

            assert faas_client().call("where") == anyio_backend
            assert (app, clock) == ("the project's app", "the project's clock")
        """
    )
    result = run_inner(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_backend?asyncio? PASSED*", "*test_backend?trio? PASSED*"])


def test_a_module_level_app_serves_several_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_twice=README_TEST
        + """
def test_resize_again(faas_client):
    test_resize(faas_client)
"""
    )
    result = run_inner(pytester)
    result.assert_outcomes(passed=2)


def test_options_reach_the_client(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_options="""
        import pytest
        from faaslib import App

        @pytest.fixture
        def faas_backend():
            return ("asyncio", {"debug": True})  # anyio's (name, options) form

        def test_options(faas_client):
            client = faas_client(App("shop"), base_url="http://shop.test")
            assert client.base_url == "http://shop.test"
            assert (client.backend, client.backend_options) == ("asyncio", {"debug": True})
            assert faas_client(App("other"), backend="trio").backend == "trio"
        """
    )
    result = run_inner(pytester)
    result.assert_outcomes(passed=1)
