"""The ExportStore on S3, and the runner that starts the export function asynchronously."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.adapters.boto_calls import error_code


class S3ExportStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def upload(self, path: Path, key: str) -> None:
        # upload_file streams from disk and switches to a multipart upload for large files.
        self._s3.upload_file(str(path), self._bucket, key)

    def put_json(self, key: str, data: dict[str, Any]) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(data, default=str).encode("utf-8"),
            ContentType="application/json",
        )

    def get_json(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404"):
                return None
            raise
        return dict(json.loads(answer["Body"].read()))

    def download_url(self, key: str, *, expires_in: int) -> str:
        return str(
            self._s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{Path(key).name}"',
                },
                ExpiresIn=expires_in,
            )
        )

    def location(self, key: str) -> str:
        return f"s3://{self._bucket}/{key}"


class LambdaExportRunner:
    """Invokes the export function with InvocationType Event: the API answers at once."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._lambda = lambda_client
        self._function = function_name

    def start(self, job: dict[str, Any]) -> None:
        self._lambda.invoke(
            FunctionName=self._function,
            InvocationType="Event",
            Payload=json.dumps(job).encode("utf-8"),
        )
