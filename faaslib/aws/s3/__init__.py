"""S3's REST-XML protocol in front of the app's buckets: `S3Service(app)`, served by `app.aws`."""

from faaslib.aws.s3.service import S3Service

__all__ = ["S3Service"]
