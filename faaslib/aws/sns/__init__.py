"""SNS on `app.aws`: boto3's `sns` client (the query protocol) on the app's topics."""

from faaslib.aws.sns.service import SnsService

__all__ = ["SnsService"]
