"""Response streaming through the Runtime API with AWS's Node.js client (aws-lambda-ric): a
handler wrapped in `awslambda.streamifyResponse` writes its response in chunks, which the
invocation returns whole; an error thrown mid-stream arrives in the trailers and is the
invocation's error, as Lambda reports it."""

from __future__ import annotations

from pathlib import Path

import pytest

from faaslib import App
from faaslib.errors import ConfigurationError

pytestmark = pytest.mark.anyio

STREAMING_HANDLER = """\
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType("text/plain");
  responseStream.write("hello ");
  await new Promise((resolve) => setTimeout(resolve, 10));
  responseStream.write("world");
  if (event.fail) {
    throw new Error("broke mid-stream");
  }
  responseStream.end();
});
"""


@pytest.fixture
def streaming_app(tmp_path: Path) -> App:
    (tmp_path / "index.mjs").write_text(STREAMING_HANDLER)
    app = App("streaming")
    try:
        app.add_function("stream", handler="index.handler", code=tmp_path, runtime="nodejs20.x")
    except ConfigurationError as missing:  # CI installs node and aws-lambda-ric (.ci/run)
        pytest.skip(f"Node.js's runtime client is not installed: {missing}")
    return app


async def test_a_streamed_response_is_returned_whole(streaming_app: App) -> None:
    async with streaming_app:
        result = await streaming_app.invoke("stream", {})
    assert result.function_error is None
    assert result.payload == b"hello world"  # not JSON: the bytes the handler wrote


async def test_an_error_thrown_mid_stream_is_the_invocations_error(streaming_app: App) -> None:
    async with streaming_app:
        result = await streaming_app.invoke("stream", {"fail": True})
        assert streaming_app.instances("stream").total == 1  # the runtime survives it
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Error"
    assert result.payload["errorMessage"] == "broke mid-stream"
