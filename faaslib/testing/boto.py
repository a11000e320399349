"""boto3 in a test, talking to the app as production code talks to AWS, without a socket.

`TestClient.boto3_session()` gives a boto3 `Session` whose clients send every request through
botocore's own `before-send` event into `app.aws`, in the app's event loop (the client's
blocking portal), and hand back AWS's answer as botocore would have read it off the wire: the
same signing, serialization, parsing and exceptions as against AWS, with no server and no port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faaslib.aws.inprocess import answer

if TYPE_CHECKING:
    from faaslib.testing.client import TestClient

__all__ = ["boto3_session"]

# Credentials are needed to sign, and are not checked.
TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def boto3_session(client: TestClient, region_name: str | None = None) -> Any:
    """A boto3 `Session` bound to `client`'s running app (see `TestClient.boto3_session`)."""
    try:
        import boto3.session
        import botocore.config
        import botocore.session
    except ImportError:
        raise ImportError(
            "TestClient.boto3_session() needs boto3, which is not installed: pip install boto3"
        ) from None
    core = botocore.session.get_session()
    # S3 by path (`/bucket/key`), so that bucket names need no DNS and no host of their own
    core.set_default_client_config(botocore.config.Config(s3={"addressing_style": "path"}))

    def send(request: Any, **kwargs: Any) -> Any:
        return answer(
            request, lambda call, arguments: client.portal.call(call, *arguments), client.app.aws
        )

    core.register("before-send", send)
    return boto3.session.Session(
        botocore_session=core,
        region_name=region_name or client.app.config.region,
        **TEST_CREDENTIALS,
    )
